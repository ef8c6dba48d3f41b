package io.deviceguard.bench;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceIdentity;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deviceguard bench throughput|connect|fanout|startup|verify}: the benchmark harness. Each writes
 * {@code OUT/KIND.json} and {@code OUT/KIND.md} (default OUT: target/bench) and works in its own home (default
 * OUT/home: PKI, database, bench devices made once and reused).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks, as a user would load the platform; results as JSON and Markdown in --out.",
                "See BENCHMARKS.md for the method and the figures."},
        subcommands = {BenchCommand.Throughput.class, ConnectBench.class, FanoutBench.class, StartupBench.class,
                VerifyBench.class})
public final class BenchCommand {

    /** Options every benchmark takes. */
    static class Common {
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/bench", description = "Where results go (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--home", paramLabel = "DIR", description = "The benchmark's home (default OUT/home); never a production home")
        Path home;

        @Spec
        CommandSpec spec;

        Path home() {
            return (home != null ? home : out.resolve("home")).toAbsolutePath();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        Settings settings(int mqttPort) {
            try {
                Files.createDirectories(home());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot create " + home() + ": " + e.getMessage());
            }
            return BenchTargets.DeviceGuard.settings(home(), mqttPort);
        }

        /** PKI and database of the home exist after this (the first run makes them). */
        Pki prepareHome(Settings settings) {
            try (PlatformServices s = PlatformServices.open(settings, false)) {
                return s.pki();
            }
        }
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = {"N devices over mutual TLS publish signed telemetry at rising rates to Mosquitto, the bare",
                    "Artemis broker and deviceguard, in that order, in one run; handled msg/s, latency, ratios."})
    static final class Throughput extends Common implements Callable<Integer> {
        @Option(names = "--devices", defaultValue = "200", description = "Simulated devices (default ${DEFAULT-VALUE})")
        int devices;

        @Option(names = "--step-seconds", defaultValue = "5", description = "Seconds per rate step (default ${DEFAULT-VALUE})")
        int stepSeconds;

        @Option(names = "--start-rate", defaultValue = "500", description = "First step, msg/s; each next step doubles (default ${DEFAULT-VALUE})")
        int startRate;

        @Option(names = "--max-rate", defaultValue = "32000", description = "Highest step, msg/s (default ${DEFAULT-VALUE})")
        int maxRate;

        @Option(names = "--warmup-seconds", defaultValue = "30",
                description = "Seconds of load before the first step, not counted: the JVM targets' JIT compiles meanwhile (default ${DEFAULT-VALUE}; 0: none)")
        int warmupSeconds;

        @Option(names = "--warmup-rate", paramLabel = "MSG/S",
                description = "Rate of the warm-up (default: half of --start-rate, which each target keeps up with)")
        Integer warmupRate;

        @Option(names = "--targets", split = ",", defaultValue = "mosquitto,artemis-bare,deviceguard",
                description = "Which, in order (default ${DEFAULT-VALUE})")
        List<String> targets;

        @Override
        public Integer call() throws Exception {
            if (devices < 1 || stepSeconds < 1 || startRate < 1 || maxRate < startRate) {
                throw new IllegalArgumentException("--devices, --step-seconds, --start-rate must be >= 1 and --max-rate >= --start-rate");
            }
            int warmRate = warmupRate == null ? Math.max(1, startRate / 2) : warmupRate;
            if (warmupSeconds < 0 || warmRate < 1) {
                throw new IllegalArgumentException("--warmup-seconds must be >= 0 and --warmup-rate >= 1");
            }
            PrintWriter out = out();
            Settings base = settings(BenchTargets.freePort());
            Pki pki = prepareHome(base);
            // one more device than publish: the bare brokers' subscriber
            List<DeviceIdentity> fleet = Fleet.ensure(base, devices + 1, out);
            ThroughputBench bench = new ThroughputBench(new ThroughputBench.Options(devices, stepSeconds, startRate, maxRate,
                    Math.max(10, stepSeconds * 2), warmupSeconds, warmRate), fleet, out);
            Report report = new Report("throughput");
            report.put("devices", devices).put("stepSeconds", stepSeconds).put("warmupSeconds", warmupSeconds)
                    .put("warmupRate", warmupSeconds > 0 ? warmRate : 0).put("payload", "signed telemetry envelope (JWS ES256), QoS 1, MQTT 3.1.1");
            Map<String, Object> results = new LinkedHashMap<>();
            try (LoadClient client = new LoadClient(2)) {
                for (String t : targets) {
                    out.printf("--- %s%n", t);
                    out.flush();
                    try {
                        results.put(t, run(t, bench, client, pki));
                    } catch (RuntimeException e) {
                        out.printf("[%s] not measured: %s%n", t, e.getMessage());
                        results.put(t, Map.of("error", String.valueOf(e.getMessage())));
                    }
                }
            }
            report.put("targets", results);
            report.line("N = %d devices over mutual TLS, QoS 1 signed telemetry, steps of %d s doubling from %d msg/s, after a warm-up"
                    + " of %d s at %d msg/s (not counted).", devices, stepSeconds, startRate, warmupSeconds, warmupSeconds > 0 ? warmRate : 0)
                    .line("");
            report.line("| target | peak handled msg/s | JIT's share of the CPU in that step | p50 / p95 / p99 at half peak (ms) |")
                    .line("|---|---|---|---|");
            boolean stillCompiling = false;
            for (Map.Entry<String, Object> e : results.entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) e.getValue();
                if (r.containsKey("error")) {
                    report.line("| %s | not measured: %s | | |", e.getKey(), r.get("error"));
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> l = (Map<String, Object>) ((Map<String, Object>) r.get("atHalfPeak")).get("latency");
                Object jit = r.get("jitPercentAtPeak");
                stillCompiling |= jit instanceof Number j && j.longValue() >= JIT_SETTLED_PERCENT;
                report.line("| %s | %s | %s %% | %s / %s / %s |", e.getKey(), r.get("peakHandledPerSecond"), jit, l.get("p50Ms"), l.get("p95Ms"),
                        l.get("p99Ms"));
            }
            for (Map.Entry<String, Object> e : results.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> r && r.get("targetAtPeak") instanceof Map<?, ?> own) {
                    report.line("").line("Where a message of %s's peak step spent its time (mean per route, ms; Camel's statistics): %s",
                            e.getKey(), routeMeans(own.get("routes")));
                    if (own.get("pipelineWriter") instanceof Map<?, ?> w) {
                        report.line("").line("Its pipeline writer: %s writes in %s commits, %s per commit.", w.get("writes"), w.get("commits"),
                                w.get("writesPerCommit"));
                    }
                }
            }
            if (stillCompiling) {
                report.line("").line("The JIT compiler took %d %% or more of the CPU during a peak step: the benchmark's JVM (the load client, and"
                        + " the artemis-bare and deviceguard targets) was still compiling hot paths, and the settled peak is higher."
                        + " A longer --warmup-seconds measures it (BENCHMARKS.md uses 240).", JIT_SETTLED_PERCENT);
            }
            Map<String, Object> ratios = ratios(results);
            report.put("ratios", ratios);
            report.line("").line("Ratios of peaks: %s", ratios);
            report.write(this.out, out);
            return 0;
        }

        private static String routeMeans(Object routes) {
            StringBuilder b = new StringBuilder();
            if (routes instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (e.getValue() instanceof Map<?, ?> r) {
                        b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(r.get("meanMillis"));
                    }
                }
            }
            return b.length() == 0 ? "none" : b.toString();
        }

        /** At or above this share of the CPU for the JIT during a peak step, the report says the JVM was not settled. */
        static final int JIT_SETTLED_PERCENT = 5;

        private Map<String, Object> run(String name, ThroughputBench bench, LoadClient client, Pki pki) throws Exception {
            switch (name) {
                case "deviceguard" -> {
                    try (BenchTargets.DeviceGuard dg = new BenchTargets.DeviceGuard(settings(BenchTargets.freePort()))) {
                        return bench.measure(dg, client, null);
                    }
                }
                case "artemis-bare" -> {
                    Path data = home().resolve("bare-artemis");
                    deleteTree(data);
                    try (BenchTargets.BareArtemis a = new BenchTargets.BareArtemis(settings(BenchTargets.freePort()), pki, data)) {
                        return bench.measure(a, client, a);
                    }
                }
                case "mosquitto" -> {
                    try (BenchTargets.Mosquitto m = new BenchTargets.Mosquitto(pki, home().resolve("mosquitto"))) {
                        return bench.measure(m, client, m);
                    }
                }
                default -> throw new IllegalArgumentException("unknown target " + name + " (mosquitto, artemis-bare, deviceguard)");
            }
        }

        private static Map<String, Object> ratios(Map<String, Object> results) {
            Map<String, Object> m = new LinkedHashMap<>();
            double dg = peak(results.get("deviceguard"));
            double art = peak(results.get("artemis-bare"));
            double mos = peak(results.get("mosquitto"));
            if (dg > 0 && art > 0) {
                m.put("deviceguardToArtemisBare", Math.round(dg / art * 1000) / 1000.0);
            }
            if (dg > 0 && mos > 0) {
                m.put("deviceguardToMosquitto", Math.round(dg / mos * 1000) / 1000.0);
            }
            return m;
        }

        @SuppressWarnings("unchecked")
        private static double peak(Object r) {
            if (r instanceof Map<?, ?> map && map.get("peakHandledPerSecond") instanceof Number n) {
                return n.doubleValue();
            }
            return -1;
        }
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Home home(Path p) {
        return new Home(p);
    }
}
