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
 * {@code deviceguard startup-archive}: the start-up archive of the JVM that runs this command, beside deviceguard.jar.
 * The {@code deviceguard} launcher and {@code bench startup} use it while it is newer than the jar and was written by
 * the JVM that starts the jar ({@link Jvm}); a rebuilt jar makes it stale, and this command makes it again.
 * <ul>
 * <li>Java 17 to 24: a class-data-sharing archive ({@code deviceguard.jsa}, JDK AppCDS) of the classes a start loads.
 *     The JVM then maps those classes already parsed and verified instead of reading them from ~100 jars. One start
 *     of the platform on a scratch home records the classes it loads ({@code -XX:DumpLoadedClassList}), then
 *     {@code java -Xshare:dump} writes the archive from that list. Lambda proxies are left out of the list: JDK 17
 *     crashes archiving them (SystemDictionaryShared::adjust_lambda_proxy_class_dictionary). A start with
 *     {@code -Xshare:on} (which refuses an archive it cannot map) checks the archive.</li>
 * <li>Java 25 and later: an ahead-of-time cache ({@code deviceguard.aot}, JEP 483/514/515): the classes of a start
 *     loaded and linked, lambda proxies included, and the methods' profiles. A training start
 *     ({@code -XX:AOTMode=record}) writes what it saw when it exits, {@code -XX:AOTMode=create} makes the cache from
 *     that, and a run with {@code -XX:AOTMode=on} (which refuses a cache it cannot use)
 *     checks it.</li>
 * </ul>
 */
@Command(name = "startup-archive", mixinStandardHelpOptions = true,
        description = {"Write the start-up archive of this Java runtime beside deviceguard.jar (Java 17-24: "
                + "deviceguard.jsa, class-data sharing; Java 25+: deviceguard.aot, ahead-of-time cache) that makes "
                + "each start faster; run again after rebuilding the jar or changing the Java runtime."})
public final class StartupArchiveCommand implements Callable<Integer> {

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/startup-archive",
            description = "Scratch directory for the training start and the logs (default ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--archive", paramLabel = "FILE",
            description = "Where to write the archive (default: deviceguard.jsa or deviceguard.aot beside deviceguard.jar, where the launcher looks)")
    Path archive;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Jvm jvm = Jvm.current();
        Path jar = ChildPlatform.jar().toAbsolutePath();
        Path dir = work.toAbsolutePath();
        BenchCommand.deleteTree(dir);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        Path target = archive != null ? archive.toAbsolutePath() : jvm.archiveFor(jar);
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        if (jvm.aotCache()) {
            writeAotCache(out, jvm, jar, dir, partial);
        } else {
            writeCdsArchive(out, jvm, jar, dir, partial);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(Jvm.stampOf(target), jvm.java() + "\n", StandardCharsets.UTF_8);
        out.printf("wrote %s (%d MiB) for %s in %d s%s%n", target, Files.size(target) >> 20, jvm.describe(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), target.equals(jvm.archiveFor(jar))
                        ? "; ./deviceguard and bench startup use it on this Java runtime while it is newer than the jar"
                        : "; use it with java " + jvm.archiveOption(target) + " -jar " + jar);
        return 0;
    }

    private static void writeCdsArchive(PrintWriter out, Jvm jvm, Path jar, Path dir, Path partial) throws Exception {
        Path recorded = dir.resolve("classes-recorded.lst");
        Path list = dir.resolve("classes.lst");
        out.printf("recording the classes of one start (%s, %s)...%n", jar, jvm.describe());
        out.flush();
        try (ChildPlatform p = ChildPlatform.start(jvm, dir.resolve("home"), dir.resolve("training.log"),
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
        run(dir.resolve("dump.log"), jvm.java().toString(), "-Xshare:dump", "-XX:SharedClassListFile=" + list,
                "-XX:SharedArchiveFile=" + partial, "-cp", jar.toString());
        // -Xshare:on refuses to start when the archive cannot be used (wrong JDK, jar not the one dumped)
        run(dir.resolve("check.log"), jvm.java().toString(), "-Xshare:on", "-XX:SharedArchiveFile=" + partial,
                "-jar", jar.toString(), "--version");
    }

    private static void writeAotCache(PrintWriter out, Jvm jvm, Path jar, Path dir, Path partial) throws Exception {
        Path config = dir.resolve("deviceguard.aotconf");
        out.printf("recording one start (%s, %s)...%n", jar, jvm.describe());
        out.flush();
        ChildPlatform p = ChildPlatform.start(jvm, dir.resolve("home"), dir.resolve("training.log"),
                List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config), List.of());
        try {
            out.printf("  ready after %d ms; stopping it%n", p.readyMillis());
            out.flush();
        } finally {
            // the JVM writes what it recorded on its way out (~100 MiB)
            p.stop(300);
        }
        if (!Files.isRegularFile(config)) {
            throw new IllegalStateException("the training start recorded nothing (log: " + dir.resolve("training.log") + ")");
        }
        out.println("writing the ahead-of-time cache (java -XX:AOTMode=create)...");
        out.flush();
        List<String> create = new ArrayList<>(List.of(jvm.java().toString()));
        create.addAll(jvm.baseOptions());
        // without the adapters' code: a cache with it makes every start of Java 25.0.3 print two warnings
        // ("Saved blob's name ... is different", "Failed to link AdapterHandlerEntry") and gains nothing measurable
        create.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTAdapterCaching", "-XX:AOTMode=create",
                "-XX:AOTConfiguration=" + config, "-XX:AOTCache=" + partial, "-jar", jar.toString()));
        run(dir.resolve("create.log"), create.toArray(String[]::new));
        Files.delete(config);
        List<String> check = new ArrayList<>(List.of(jvm.java().toString()));
        check.addAll(jvm.baseOptions());
        // -XX:AOTMode=on refuses to start when the cache cannot be used (another JVM, jar not the one trained)
        check.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + partial, "-jar", jar.toString(), "--version"));
        run(dir.resolve("check.log"), check.toArray(String[]::new));
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
