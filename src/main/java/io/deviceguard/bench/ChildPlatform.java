package io.deviceguard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code deviceguard run} as its own process, as a user starts it: for start-up time and for heap measured alone. */
final class ChildPlatform implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("deviceguard ready in (\\d+) ms");

    final Process process;
    final long spawnedNanos;
    final long readyNanos;
    final long reportedMillis;
    final int mqttPort;
    final int adminPort;

    private ChildPlatform(Process process, long spawnedNanos, long readyNanos, long reportedMillis, int mqttPort, int adminPort) {
        this.process = process;
        this.spawnedNanos = spawnedNanos;
        this.readyNanos = readyNanos;
        this.reportedMillis = reportedMillis;
        this.mqttPort = mqttPort;
        this.adminPort = adminPort;
    }

    static Path jar() {
        try {
            Path p = Path.of(ChildPlatform.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(p)) {
                return p;
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through to the build's jar
        }
        Path built = Path.of(System.getProperty("deviceguard.jar", "target/deviceguard.jar"));
        if (!Files.isRegularFile(built)) {
            throw new IllegalStateException("no deviceguard.jar to start (build it with mvn package)");
        }
        return built;
    }

    /** Starts and waits for "deviceguard ready"; the child's output goes to {@code log}. */
    static ChildPlatform start(Path home, Path log, List<String> jvmArgs, List<String> props) throws IOException {
        return start(Jvm.current(), home, log, jvmArgs, props);
    }

    /** Starts on {@code jvm} (with its {@link Jvm#baseOptions()} before {@code jvmArgs}) and waits for "deviceguard ready". */
    static ChildPlatform start(Jvm jvm, Path home, Path log, List<String> jvmArgs, List<String> props) throws IOException {
        int mqtt = BenchTargets.freePort();
        int admin = BenchTargets.freePort();
        List<String> cmd = new ArrayList<>(List.of(jvm.java().toString()));
        cmd.addAll(jvm.baseOptions());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar().toString(), "run", "--home", home.toString(), "--mqtt-port", Integer.toString(mqtt),
                "--admin-port", Integer.toString(admin), "--management-port", Integer.toString(BenchTargets.freePort()),
                "--deviceguard.mqtt.host=127.0.0.1"));
        cmd.addAll(props);
        Files.createDirectories(log.getParent());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Long> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.println(line);
                    Matcher m = READY.matcher(line);
                    if (!ready.isDone() && m.find()) {
                        ready.complete(Long.parseLong(m.group(1)));
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("the platform exited before it was ready; see " + log));
        }, "bench-child-output");
        pump.setDaemon(true);
        pump.start();
        try {
            long reported = ready.get(180, TimeUnit.SECONDS);
            return new ChildPlatform(p, t0, System.nanoTime(), reported, mqtt, admin);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the platform did not become ready: " + e.getMessage() + " (log: " + log + ")", e);
        }
    }

    long readyMillis() {
        return (readyNanos - spawnedNanos) / 1_000_000;
    }

    /** Heap in use after a full GC, in bytes (jcmd GC.run, GC.heap_info). */
    long heapUsedAfterGc() {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the heap from jcmd: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private String jcmd(String what) {
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), what).redirectErrorStream(true).start();
            String text = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            j.waitFor(60, TimeUnit.SECONDS);
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("jcmd: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop(30);
    }

    /** Stops the platform as a user's Ctrl-C does, giving it {@code seconds} to exit before it is killed. */
    void stop(int seconds) {
        // SIGTERM through the handle: Process.destroy() would also close the pipe the child's last lines come through
        process.toHandle().destroy();
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
