package io.deviceguard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.deviceguard.crypto.CryptoProviders;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** One benchmark's result: {@code OUT/KIND.json} (machine-readable) and {@code OUT/KIND.md} (for people). */
final class Report {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final String kind;
    final Map<String, Object> result = new LinkedHashMap<>();
    final StringBuilder md = new StringBuilder();

    Report(String kind) {
        this.kind = kind;
        result.put("benchmark", kind);
        result.put("startedAt", Instant.now().toString());
        result.put("machine", machine());
    }

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("memoryBytes", totalMemory());
        m.put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        m.put("cryptoProvider", CryptoProviders.first());
        m.put("loadClientTls", LoadClient.tlsProvider());
        return m;
    }

    private static long totalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: the JVM's view below
        }
        return -1;
    }

    Report put(String key, Object value) {
        result.put(key, value);
        return this;
    }

    Report line(String format, Object... args) {
        md.append(String.format(java.util.Locale.ROOT, format, args)).append('\n');
        return this;
    }

    /** Writes both files and says where they are. */
    void write(Path outDir, PrintWriter out) {
        result.put("finishedAt", Instant.now().toString());
        try {
            Files.createDirectories(outDir);
            Path json = outDir.resolve(kind + ".json");
            Path report = outDir.resolve(kind + ".md");
            JSON.writeValue(json.toFile(), result);
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) result.get("machine");
            String header = "# deviceguard bench " + kind + "\n\n"
                    + "Run " + result.get("startedAt") + " on " + m.get("cpus") + " CPUs, "
                    + (((Number) m.get("memoryBytes")).longValue() >> 20) + " MiB, load average " + m.get("loadAverage")
                    + " at the start; " + m.get("java") + "; first JCA provider " + m.get("cryptoProvider")
                    + "; load-client TLS " + m.get("loadClientTls") + ".\n\n";
            Files.writeString(report, header + md, StandardCharsets.UTF_8);
            out.println(md);
            out.printf("results: %s%nreport:  %s%n", json.toAbsolutePath(), report.toAbsolutePath());
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the results to " + outDir + ": " + e.getMessage(), e);
        }
    }

    /** Percentile (nearest rank) of sorted values. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static Map<String, Object> latencies(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", v.length);
        m.put("p50Ms", percentile(v, 50));
        m.put("p95Ms", percentile(v, 95));
        m.put("p99Ms", percentile(v, 99));
        m.put("maxMs", v.length == 0 ? -1 : v[v.length - 1]);
        return m;
    }
}
