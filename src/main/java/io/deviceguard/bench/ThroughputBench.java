package io.deviceguard.bench;

import io.deviceguard.config.Settings;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * Offers a target signed telemetry from N devices at rising rates (each step a fixed time), and measures what it
 * handles end to end: for deviceguard, messages with their audit row (verified, schema-, identity- and replay-checked
 * first); for a bare broker, messages its plain subscriber received. Latency: from the device's publish to the audit
 * row's time (or the subscriber's receipt). The ladder stops at the first step the target cannot keep up with; then
 * one step at half the peak gives the latency under comfortable load.
 */
final class ThroughputBench {

    /**
     * {@code warmupSeconds} at {@code warmupRate} before the ladder, not counted: the JIT compiles the hot paths of a
     * JVM target (deviceguard, bare Artemis) during its first minutes, and the ladder is to measure the target as it
     * runs, not as it starts. 0 skips it.
     */
    record Options(int devices, int stepSeconds, int startRate, int maxRate, int drainSeconds, int warmupSeconds, int warmupRate) {
    }

    private final Options options;
    private final List<DeviceIdentity> fleet;
    private final PrintWriter out;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    ThroughputBench(Options options, List<DeviceIdentity> fleet, PrintWriter out) {
        this.options = options;
        this.fleet = fleet;
        this.out = out;
    }

    /** The ladder against one target; the target is connected to by the fleet here and closed by the caller. */
    Map<String, Object> measure(BenchTargets.Target target, LoadClient client, BenchTargets.Subscribed subscriberOf) {
        int planned = 0;
        for (int r = options.startRate(); r <= options.maxRate(); r *= 2) {
            planned += r * options.stepSeconds();
        }
        int warmup = options.warmupSeconds() * options.warmupRate();
        int capacity = warmup + planned + options.maxRate() * options.stepSeconds();
        AtomicLongArray publishedAt = new AtomicLongArray(capacity);
        AtomicLongArray handledAt = new AtomicLongArray(capacity);
        AtomicLong handledCount = new AtomicLong();
        BenchTargets.Sink sink = (i, at) -> {
            if (i < capacity && handledAt.compareAndSet(i, 0, at)) {
                handledCount.incrementAndGet();
            }
        };
        if (subscriberOf != null) {
            subscriberOf.subscribe(client, fleet.get(fleet.size() - 1), sink);
        }
        List<DeviceIdentity> devices = fleet.subList(0, Math.min(options.devices(), fleet.size() - 1));
        long c0 = System.nanoTime();
        List<LoadClient.Conn> conns = IntStream.range(0, devices.size()).parallel()
                .mapToObj(i -> connect(client, target.port(), devices.get(i))).toList();
        long connectMs = (System.nanoTime() - c0) / 1_000_000;
        out.printf("[%s] %d devices connected over mutual TLS in %d ms%n", target.name(), conns.size(), connectMs);
        out.flush();

        int next = 0;
        Map<String, Object> warmupStep = null;
        if (warmup > 0) {
            out.printf("[%s] warm-up: %d s at %d msg/s, not counted%n", target.name(), options.warmupSeconds(), options.warmupRate());
            warmupStep = step(target, conns, devices, options.warmupRate(), options.warmupSeconds(), next, publishedAt, handledAt,
                    handledCount, sink);
            next += ((Number) warmupStep.get("offered")).intValue();
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        double peak = 0;
        Object jitAtPeak = null;
        Object ownAtPeak = null;
        for (int rate = options.startRate(); rate <= options.maxRate(); rate *= 2) {
            Map<String, Object> step = step(target, conns, devices, rate, options.stepSeconds(), next, publishedAt, handledAt,
                    handledCount, sink);
            next += ((Number) step.get("offered")).intValue();
            steps.add(step);
            double handledRate = ((Number) step.get("handledPerSecond")).doubleValue();
            if (handledRate >= peak) {
                peak = handledRate;
                jitAtPeak = step.get("jitPercentOfMachine");
                ownAtPeak = step.get("target");
            }
            if (handledRate < 0.9 * rate || !(Boolean) step.get("complete")) {
                break;
            }
        }
        int half = (int) Math.max(1, peak / 2);
        Map<String, Object> halfStep = step(target, conns, devices, half, options.stepSeconds(), next, publishedAt, handledAt,
                handledCount, sink);
        conns.forEach(LoadClient.Conn::disconnect);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target.name());
        m.put("devices", conns.size());
        m.put("connectMillis", connectMs);
        if (warmupStep != null) {
            m.put("warmup", warmupStep);
        }
        m.put("peakHandledPerSecond", Math.round(peak));
        m.put("jitPercentAtPeak", jitAtPeak);
        if (ownAtPeak != null) {
            m.put("targetAtPeak", ownAtPeak);
        }
        m.put("steps", steps);
        m.put("atHalfPeak", halfStep);
        return m;
    }

    private static LoadClient.Conn connect(LoadClient client, int port, DeviceIdentity d) {
        try {
            return client.connect("127.0.0.1", port, LoadClient.tls(d), d.id(), true, null).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("device " + d.id() + " cannot connect: " + e.getMessage(), e);
        }
    }

    private Map<String, Object> step(BenchTargets.Target target, List<LoadClient.Conn> conns, List<DeviceIdentity> devices,
                                     int rate, int stepSeconds, int first, AtomicLongArray publishedAt, AtomicLongArray handledAt,
                                     AtomicLong handledCount, BenchTargets.Sink sink) {
        int n = Math.min(rate * stepSeconds, publishedAt.length() - first);
        // signed before the clock starts: the load generator measures the target, not its own signing
        long s0 = System.nanoTime();
        byte[][] payloads = new byte[n][];
        long ts = System.currentTimeMillis();
        IntStream.range(0, n).parallel().forEach(i -> {
            DeviceIdentity d = devices.get(i % devices.size());
            String body = Envelope.payload(d.id(), "telemetry", "b" + run + "-" + (first + i), ts,
                    Map.of("temperature", 20 + (i % 50) / 10.0, "heartRate", 60 + i % 40)).toString();
            payloads[i] = Envelope.sign(d.key(), d.id(), body).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        });
        long signMs = (System.nanoTime() - s0) / 1_000_000;
        String[] topics = devices.stream().map(d -> "devices/" + d.id() + "/telemetry").toArray(String[]::new);
        AtomicLong acked = new AtomicLong();
        Runnable onAck = acked::incrementAndGet;
        long before = handledCount.get();
        target.startStep();
        long jit0 = jitMillis();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        long wall0 = System.currentTimeMillis();
        int sent = 0;
        boolean[] touched = new boolean[conns.size()];
        while (sent < n) {
            long due = Math.min(n, (long) ((System.nanoTime() - t0) / 1e9 * rate) + 1);
            while (sent < due) {
                int c = sent % conns.size();
                publishedAt.set(first + sent, System.currentTimeMillis());
                conns.get(c).publish(topics[c], payloads[sent], onAck, false);
                touched[c] = true;
                sent++;
            }
            for (int c = 0; c < touched.length; c++) {
                if (touched[c]) {
                    conns.get(c).flush();
                    touched[c] = false;
                }
            }
            BenchTargets.sleep(1);
        }
        long publishMs = (System.nanoTime() - t0) / 1_000_000;
        // drain: until every message of the step is handled, or nothing moved for drainSeconds
        long lastProgress = System.nanoTime();
        long seen = handledCount.get();
        while (handledCount.get() - before < n) {
            target.collect(sink);
            long now = handledCount.get();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(options.drainSeconds())) {
                break;
            }
            BenchTargets.sleep(100);
        }
        target.collect(sink);
        long stepNanos = Math.max(1, System.nanoTime() - t0);
        long jitMs = jitMillis() - jit0;
        long cpuNanos = processCpuNanos() - cpu0;
        long handled = 0;
        long last = wall0;
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long h = handledAt.get(first + i);
            if (h != 0) {
                lat[(int) handled++] = Math.max(0, h - publishedAt.get(first + i));
                last = Math.max(last, h);
            }
        }
        double seconds = Math.max(0.001, (last - wall0) / 1000.0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offeredPerSecond", rate);
        m.put("offered", n);
        m.put("publishMillis", publishMs);
        m.put("brokerAcked", acked.get());
        m.put("handled", handled);
        m.put("complete", handled == n);
        m.put("handledPerSecond", Math.round(handled / seconds));
        m.put("latency", Report.latencies(java.util.Arrays.copyOf(lat, (int) handled)));
        m.put("presignMillis", signMs);
        // how much of the machine the JIT compiler took meanwhile (all its threads): a high share means the step
        // measured a JVM still compiling, and a longer warm-up gives the settled figure
        int cpus = Runtime.getRuntime().availableProcessors();
        long jitPercent = Math.round(100.0 * jitMs * 1_000_000 / ((double) stepNanos * cpus));
        m.put("jitCompileMillis", jitMs);
        m.put("jitPercentOfMachine", jitPercent);
        Map<String, Object> own = target.stepStats();
        if (!own.isEmpty()) {
            m.put("target", own);
        }
        m.put("processCpuPercentOfMachine", cpuNanos < 0 ? -1 : Math.round(100.0 * cpuNanos / ((double) stepNanos * cpus)));
        @SuppressWarnings("unchecked")
        Map<String, Object> l = (Map<String, Object>) m.get("latency");
        out.printf("[%s] offered %6d msg/s: handled %6d of %6d, %6d msg/s, latency p50 %d ms p95 %d ms p99 %d ms; JIT %d %% of the CPU%n",
                target.name(), rate, handled, n, Math.round(handled / seconds), l.get("p50Ms"), l.get("p95Ms"), l.get("p99Ms"), jitPercent);
        out.flush();
        return m;
    }

    /** Milliseconds this JVM's JIT compiler threads have spent compiling so far (0 where the JVM does not say). */
    static long jitMillis() {
        java.lang.management.CompilationMXBean c = java.lang.management.ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : 0;
    }

    /** CPU time of this whole process so far, nanoseconds; -1 where the JVM does not say. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
