package io.deviceguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged {@code deviceguard.jar} run as a user runs it, in its own JVM. Everything it prints is also appended to
 * {@code target/test-logs/NAME.log}, where the suite's scan for leaked passwords and tokens reads it.
 */
public final class JarProcess {

    public static final Path LOGS = Path.of("target", "test-logs");

    private JarProcess() {
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("deviceguard.jar", "target/deviceguard.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the packaged jar " + jar + " is missing: run after 'mvn package'");
        }
        return jar;
    }

    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Exit code and combined output of a finished command. */
    public record Result(int exit, String output) {
    }

    /** Runs one command to its end (at most 2 minutes), feeding it {@code stdin}. */
    public static Result run(String logName, Path workDir, Map<String, String> env, String stdin, String... args) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command(args)).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(TestDatabase.environment(workDir, List.of(args)));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("deviceguard " + String.join(" ", args) + " did not finish");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            log(logName, "$ deviceguard " + String.join(" ", args) + "\n" + text);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void log(String name, String text) {
        try {
            Files.createDirectories(LOGS);
            Files.writeString(LOGS.resolve(name + ".log"), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
