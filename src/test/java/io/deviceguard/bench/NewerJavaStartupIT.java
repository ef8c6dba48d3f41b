package io.deviceguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.testing.JarProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform on Java 25 as a user starts it: {@code JAVA_HOME=... ./deviceguard startup-archive} writes the
 * ahead-of-time cache beside the jar, the launcher starts the jar with it (and without the native-access warnings), and
 * {@code bench startup --java} times the platform on Java 25, with and without the cache, beside this JVM.
 * <p>
 * Needs a Java 25 runtime: {@code -Ddeviceguard.test.java25=/path/to/bin/java}, or one found under /usr/lib/jvm. Where
 * there is none the test is skipped, unless {@code -Ddeviceguard.test.java25.required=true} (which {@code .ci/run}
 * sets when the machine has one) makes that a failure.
 */
@org.junit.jupiter.api.Tag("alone") // starts the platform several times and writes a ~100 MiB cache
class NewerJavaStartupIT {

    @TempDir
    Path dir;

    @Test
    void aheadOfTimeCacheOnJava25ThroughTheLauncher() throws Exception {
        Path java25 = java25();
        Path launcher = Path.of("deviceguard").toAbsolutePath();
        Path jar = JarProcess.jar().toAbsolutePath();
        Path cache = jar.resolveSibling("deviceguard.aot");
        Map<String, String> env = Map.of("JAVA_HOME", java25.getParent().getParent().toString());

        Result made = run(env, launcher.toString(), "startup-archive", "--work", dir.resolve("work").toString());
        assertThat(made.exit()).as(made.output()).isZero();
        assertThat(made.output()).contains("recording one start").contains("wrote " + cache).contains("Java 25");
        assertThat(Files.size(cache)).as("the cache holds the classes of a start").isGreaterThan(10L << 20);
        assertThat(Files.readString(Jvm.stampOf(cache)).trim()).as("stamped with the JVM that wrote it")
                .isEqualTo(java25.toRealPath().toString());
        assertThat(jar.resolveSibling("deviceguard.aot.partial")).doesNotExist();

        // -XX:AOTMode=on refuses to start unless the launcher handed the JVM a cache it can use
        Result version = run(Map.of("JAVA_HOME", env.get("JAVA_HOME"), "DEVICEGUARD_JAVA_OPTS", "-XX:AOTMode=on -Xlog:class+load=info"),
                launcher.toString(), "--version");
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output()).contains("io.deviceguard.cli.DeviceGuardCommand source: shared objects file")
                .as("no native-access or sun.misc.Unsafe warnings on Java 25")
                .doesNotContain("WARNING: A restricted method").doesNotContain("WARNING: A terminally deprecated method")
                .doesNotContain("[warning]");

        // the same launcher on this JVM (Java 17) leaves the Java 25 cache alone
        Result own = run(Map.of("DEVICEGUARD_JAVA_OPTS", "-Xlog:class+load=info"), launcher.toString(), "--version");
        assertThat(own.exit()).as(own.output()).isZero();
        assertThat(own.output()).doesNotContain("AOTCache").doesNotContain("deviceguard.aot");

        // the platform itself on Java 25, with its cache, timed beside this JVM in one run
        Path out = dir.resolve("bench");
        Result bench = run(Map.of(), launcher.toString(), "bench", "startup", "--runs", "1", "--java", java25.toString(),
                "--out", out.toString());
        assertThat(bench.exit()).as(bench.output()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("startup.json").toFile());
        JsonNode runtimes = json.path("runtimes");
        assertThat(runtimes.size()).isEqualTo(2);
        JsonNode newer = runtimes.get(1);
        assertThat(newer.path("java").asText()).startsWith("25");
        assertThat(newer.path("archiveKind").asText()).isEqualTo("ahead-of-time cache");
        assertThat(newer.path("medianReadyMillis").asLong()).as("ready on Java 25 without the cache").isPositive();
        assertThat(newer.path("medianReadyMillisWithArchive").asLong()).as("ready on Java 25 with the cache").isPositive();
        assertThat(json.path("target").path("bestMedianMillis").asLong()).isPositive();
        assertThat(Files.readString(out.resolve("startup.md"))).contains("Java 25").contains("ahead-of-time cache");
    }

    private record Result(int exit, String output) {
    }

    private Result run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        Path log = dir.resolve("out-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("DEVICEGUARD_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 8 minutes: " + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        JarProcess.log("newer-java", "$ " + env + " " + String.join(" ", cmd) + "\n" + output);
        return new Result(p.exitValue(), output);
    }

    /** A Java 25+ runtime's bin/java: the property, or the newest under /usr/lib/jvm. */
    static Path java25() throws IOException {
        String configured = System.getProperty("deviceguard.test.java25", "");
        Optional<Path> found = Optional.empty();
        if (!configured.isBlank()) {
            found = Optional.of(Path.of(configured));
        } else if (Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            List<Path> candidates = new ArrayList<>();
            try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
                homes.map(h -> h.resolve("bin").resolve("java")).filter(Files::isExecutable).forEach(candidates::add);
            }
            found = candidates.stream().filter(j -> {
                try {
                    return Jvm.of(j).feature() >= 25;
                } catch (IllegalArgumentException e) {
                    return false;
                }
            }).map(j -> Jvm.of(j).java()).distinct().sorted().reduce((a, b) -> b);
        }
        boolean required = Boolean.getBoolean("deviceguard.test.java25.required");
        if (found.isEmpty()) {
            if (required) {
                throw new AssertionError("no Java 25 runtime: set -Ddeviceguard.test.java25=/path/to/bin/java");
            }
            Assumptions.abort("no Java 25 runtime on this machine (-Ddeviceguard.test.java25=/path/to/bin/java)");
        }
        assertThat(Jvm.of(found.get()).feature()).as("the Java runtime of deviceguard.test.java25").isGreaterThanOrEqualTo(25);
        return found.get();
    }
}
