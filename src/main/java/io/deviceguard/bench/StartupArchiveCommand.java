package io.deviceguard.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deviceguard startup-archive}: a class-data-sharing archive (JDK AppCDS) of the classes a start loads, beside
 * deviceguard.jar. The JVM then maps those classes already parsed and verified instead of reading them from ~100
 * jars, which is most of a cold start. The {@code deviceguard} launcher and {@code bench startup} use the archive
 * while it is newer than the jar; a rebuilt jar makes it stale, and this command makes it again.
 * <p>
 * How: one start of the platform on a scratch home records the classes it loads ({@code -XX:DumpLoadedClassList}),
 * then {@code java -Xshare:dump} writes the archive from that list. Lambda proxies are left out of the list: JDK 17
 * crashes archiving them (SystemDictionaryShared::adjust_lambda_proxy_class_dictionary). Finally a start with
 * {@code -Xshare:on} (which refuses an archive it cannot map) checks the archive.
 */
@Command(name = "startup-archive", mixinStandardHelpOptions = true,
        description = {"Write the class-data-sharing archive (deviceguard.jsa, beside deviceguard.jar) that makes "
                + "each start faster; run again after rebuilding the jar."})
public final class StartupArchiveCommand implements Callable<Integer> {

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/startup-archive",
            description = "Scratch directory for the training start and the logs (default ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--archive", paramLabel = "FILE",
            description = "Where to write the archive (default: deviceguard.jsa beside deviceguard.jar, where the launcher looks)")
    Path archive;

    @Spec
    CommandSpec spec;

    /** The archive the launcher and the benchmarks use: beside the jar. */
    public static Path archiveFor(Path jar) {
        return jar.toAbsolutePath().resolveSibling("deviceguard.jsa");
    }

    /** JVM options that use the archive beside {@code jar}, or none when it is missing or older than the jar. */
    public static List<String> jvmOptions(Path jar) {
        Path jsa = archiveFor(jar);
        try {
            if (Files.isRegularFile(jsa)
                    && Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + jsa);
            }
        } catch (IOException e) {
            // no archive then
        }
        return List.of();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path jar = ChildPlatform.jar().toAbsolutePath();
        Path dir = work.toAbsolutePath();
        BenchCommand.deleteTree(dir);
        Files.createDirectories(dir);
        Path recorded = dir.resolve("classes-recorded.lst");
        Path list = dir.resolve("classes.lst");
        long t0 = System.nanoTime();
        out.printf("recording the classes of one start (%s)...%n", jar);
        out.flush();
        try (ChildPlatform p = ChildPlatform.start(dir.resolve("home"), dir.resolve("training.log"),
                List.of("-XX:DumpLoadedClassList=" + recorded), List.of())) {
            out.printf("  ready after %d ms%n", p.readyMillis());
        }
        List<String> kept = new ArrayList<>();
        int left = 0;
        for (String line : Files.readAllLines(recorded, StandardCharsets.UTF_8)) {
            if (line.startsWith("@lambda-proxy")) {
                left++;
            } else {
                kept.add(line);
            }
        }
        Files.write(list, kept, StandardCharsets.UTF_8);
        out.printf("  %d classes recorded (%d lambda proxies left out)%n", kept.size(), left);
        out.println("writing the archive (java -Xshare:dump; about half a minute)...");
        out.flush();
        Path jsa = archive != null ? archive.toAbsolutePath() : archiveFor(jar);
        Path partial = jsa.resolveSibling(jsa.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        run(dir.resolve("dump.log"), ChildPlatform.java(), "-Xshare:dump", "-XX:SharedClassListFile=" + list,
                "-XX:SharedArchiveFile=" + partial, "-cp", jar.toString());
        // -Xshare:on refuses to start when the archive cannot be used (wrong JDK, jar not the one dumped)
        run(dir.resolve("check.log"), ChildPlatform.java(), "-Xshare:on", "-XX:SharedArchiveFile=" + partial,
                "-jar", jar.toString(), "--version");
        Files.move(partial, jsa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out.printf("wrote %s (%d MiB) in %d s%s%n", jsa, Files.size(jsa) >> 20,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), jsa.equals(archiveFor(jar))
                        ? "; ./deviceguard and bench startup use it while it is newer than the jar"
                        : "; use it with java -XX:SharedArchiveFile=" + jsa + " -jar " + jar);
        return 0;
    }

    private static void run(Path log, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 10 minutes (log: " + log + ")");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed with exit code " + p.exitValue()
                    + " (log: " + log + ")");
        }
    }
}
