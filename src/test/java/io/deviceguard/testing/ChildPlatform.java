package io.deviceguard.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged platform ({@code java -jar target/deviceguard.jar}, as failsafe's {@code deviceguard.jar} names it)
 * in a child process, as a user runs it: started, killed, restarted.
 */
public final class ChildPlatform implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("deviceguard ready in (\\d+) ms");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final long startedNanos = System.nanoTime();
    private final String database;

    private ChildPlatform(Process process, String database) {
        this.process = process;
        this.database = database;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, "child-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    public static Path jar() {
        return Path.of(System.getProperty("deviceguard.jar", "target/deviceguard.jar"));
    }

    /** Runs {@code deviceguard ARGS...} from the packaged jar. */
    public static ChildPlatform start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // under -Ddeviceguard.test.db=postgresql: the database of its --home, as environment variables
        pb.environment().putAll(TestDatabase.environment(null, List.of(args)));
        boolean ownDatabase = List.of(args).stream().anyMatch(a -> a.startsWith("--deviceguard.db.url="))
                || TestDatabase.choosesItsOwn(TestDatabase.homeOf(null, List.of(args)));
        return new ChildPlatform(pb.start(), ownDatabase ? null : TestDatabase.vendor());
    }

    /** Waits for "deviceguard ready in N ms" and returns N. */
    public long awaitReady(Duration atMost) {
        try {
            await("'deviceguard ready in' on the child's output").atMost(atMost).pollInterval(Duration.ofMillis(50))
                    .failFast(() -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("the child exited early; its output:\n" + String.join("\n", output));
                        }
                    })
                    .until(() -> output.stream().anyMatch(l -> READY.matcher(l).find()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the child was not ready within " + atMost + "; its output:\n" + String.join("\n", output)
                    + "\nits threads:\n" + threadDump(), e);
        }
        String ready = output.stream().filter(l -> READY.matcher(l).find()).findFirst().orElseThrow();
        if (database != null && !ready.contains("database " + database + ")")) {
            throw new AssertionError("the child does not run on this run's " + database + ": " + ready);
        }
        Matcher m = READY.matcher(ready);
        m.find();
        return Long.parseLong(m.group(1));
    }

    /** What the child's threads are doing (jcmd), to tell a hang from slowness when a test fails. */
    public String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    /** Milliseconds since this child was launched. */
    public long sinceLaunchMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, no shutdown hook runs; returns the exit status (137 = 128 + 9). */
    public int kill9() throws Exception {
        Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -KILL " + process.pid() + " failed");
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the child survived SIGKILL");
        }
        return process.exitValue();
    }

    /** SIGTERM: the shutdown hook stops the platform in order. */
    public int stop() throws Exception {
        // SIGTERM through the handle: Process.destroy() would also close the pipe the child's last lines come through
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the child did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** Waits for the child to exit by itself (a host command). */
    public int waitFor(Duration atMost) throws InterruptedException {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the child did not finish within " + atMost + "; output:\n" + String.join("\n", output));
        }
        return process.exitValue();
    }

    public List<String> output() {
        return output;
    }

    /** Stops a child still running, and copies its output to this test's output (for the failsafe report). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        output.forEach(l -> System.out.println("[child " + process.pid() + "] " + l));
    }
}
