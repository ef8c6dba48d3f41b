package io.deviceguard.bench;

import io.deviceguard.config.Settings;
import io.deviceguard.sdk.DeviceIdentity;
import io.netty.handler.ssl.SslContext;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deviceguard bench connect}: N devices connect to a platform running as its own process (mutual TLS, the
 * registry check, MQTT CONNECT), then all drop their connections at once and reconnect (a reconnect storm). Heap per
 * connected device: the platform's heap after a full GC with all connected, minus before, over N.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = {"N devices connect, drop, and reconnect at once: connects/s, time until all are connected,",
                "heap per connected device (the platform in its own process)."})
final class ConnectBench extends BenchCommand.Common implements Callable<Integer> {

    @Option(names = "--devices", defaultValue = "10000", description = "Devices (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--concurrency", defaultValue = "1000", description = "Connects in flight at once (default ${DEFAULT-VALUE})")
    int concurrency;

    /** How long a round's devices keep retrying (as the SDK's do) before the bench counts them as not connected. */
    static final int ROUND_LIMIT_SECONDS = 300;

    @Option(names = "--heap", defaultValue = "2g", description = "The platform's -Xmx (default ${DEFAULT-VALUE})")
    String heap;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        Settings settings = settings(BenchTargets.freePort());
        prepareHome(settings);
        List<DeviceIdentity> fleet = Fleet.ensure(settings, devices, out);
        List<SslContext> tls = IntStream.range(0, fleet.size()).parallel().mapToObj(i -> LoadClient.tls(fleet.get(i))).toList();
        Report report = new Report("connect");
        try (ChildPlatform p = ChildPlatform.start(home(), this.out.resolve("connect-platform.log").toAbsolutePath(),
                List.of("-Xmx" + heap), List.of("--deviceguard.limits.connections=" + (devices + 100)));
             LoadClient client = new LoadClient(2)) {
            long heap0 = p.heapUsedAfterGc();
            Map<String, Object> first = round("first connect", client, p.mqttPort, fleet, tls, out);
            List<LoadClient.Conn> conns = castConns(first.remove("conns"));
            long heap1 = p.heapUsedAfterGc();
            long perDevice = conns.isEmpty() ? -1 : (heap1 - heap0) / conns.size();
            out.printf("heap after GC: %d MiB before, %d MiB with %d connected: %d bytes per connected device%n",
                    heap0 >> 20, heap1 >> 20, conns.size(), perDevice);
            conns.forEach(LoadClient.Conn::drop);
            for (LoadClient.Conn c : conns) {
                c.closed.get(60, TimeUnit.SECONDS);
            }
            Map<String, Object> storm = round("reconnect storm", client, p.mqttPort, fleet, tls, out);
            List<LoadClient.Conn> again = castConns(storm.remove("conns"));
            long heap2 = p.heapUsedAfterGc();
            again.forEach(LoadClient.Conn::disconnect);
            report.put("devices", devices).put("concurrency", concurrency).put("platformMaxHeap", heap)
                    .put("firstConnect", first).put("reconnectStorm", storm)
                    .put("heapBeforeBytes", heap0).put("heapConnectedBytes", heap1).put("heapAfterStormBytes", heap2)
                    .put("heapPerConnectedDeviceBytes", perDevice)
                    .put("heapFor10000SessionsBytes", perDevice * 10_000 + heap0);
            report.line("%d devices, at most %d connects in flight, platform -Xmx%s (own process).", devices, concurrency, heap).line("")
                    .line("| round | connected | all connected after | connects/s | devices that retried | failed attempts, by cause |")
                    .line("|---|---|---|---|---|---|")
                    .line("| first connect | %s | %s ms | %s | %s | %s |", first.get("connected"), first.get("allConnectedMillis"),
                            first.get("connectsPerSecond"), first.get("devicesRetried"), first.get("failedAttemptCauses"))
                    .line("| reconnect storm | %s | %s ms | %s | %s | %s |", storm.get("connected"), storm.get("allConnectedMillis"),
                            storm.get("connectsPerSecond"), storm.get("devicesRetried"), storm.get("failedAttemptCauses"))
                    .line("").line("Devices retry a failed connect as the SDK's do (after 1 s, doubling up to 5 s; 30 s per attempt) "
                            + "for up to %d s.", ROUND_LIMIT_SECONDS)
                    .line("").line("Heap after a full GC: %d MiB with none connected, %d MiB with %d connected: **%d bytes per connected device** "
                            + "(10,000 sessions: %d MiB in all).", heap0 >> 20, heap1 >> 20, conns.size(), perDevice,
                            (perDevice * 10_000 + heap0) >> 20);
        }
        report.write(this.out, out);
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static List<LoadClient.Conn> castConns(Object o) {
        return (List<LoadClient.Conn>) o;
    }

    private Map<String, Object> round(String name, LoadClient client, int port, List<DeviceIdentity> fleet, List<SslContext> tls,
                                      PrintWriter out) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        List<CompletableFuture<LoadClient.Conn>> all = new ArrayList<>(fleet.size());
        long t0 = System.nanoTime();
        LoadClient.Retries retries = new LoadClient.Retries(t0 + TimeUnit.SECONDS.toNanos(ROUND_LIMIT_SECONDS));
        java.util.concurrent.atomic.AtomicLong lastConnected = new java.util.concurrent.atomic.AtomicLong(t0);
        for (int i = 0; i < fleet.size(); i++) {
            inFlight.acquire();
            CompletableFuture<LoadClient.Conn> f = client.connectRetrying("127.0.0.1", port, tls.get(i), fleet.get(i).id(), true,
                    null, retries);
            f.whenComplete((c, e) -> {
                inFlight.release();
                if (e == null) {
                    lastConnected.accumulateAndGet(System.nanoTime(), Math::max);
                }
            });
            all.add(f);
        }
        List<LoadClient.Conn> conns = new ArrayList<>();
        String firstError = null;
        for (CompletableFuture<LoadClient.Conn> f : all) {
            try {
                conns.add(f.get(ROUND_LIMIT_SECONDS + 2L * LoadClient.CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            } catch (Exception e) {
                firstError = firstError == null ? String.valueOf(e.getCause() == null ? e : e.getCause()) : firstError;
            }
        }
        long ms = (lastConnected.get() - t0) / 1_000_000;
        long rate = Math.round(conns.size() / Math.max(0.001, ms / 1000.0));
        out.printf("%s: %d of %d connected in %d ms (%d connects/s); %d devices retried, %d failed attempts%s%s%n", name,
                conns.size(), fleet.size(), ms, rate, retries.devicesRetried.get(), retries.failedAttempts.get(),
                retries.failedAttempts.get() == 0 ? "" : " " + retries.causes(),
                firstError == null ? "" : "; gave up: " + firstError);
        out.flush();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connected", conns.size());
        m.put("failed", fleet.size() - conns.size());
        m.put("allConnectedMillis", ms);
        m.put("connectsPerSecond", rate);
        m.put("devicesRetried", retries.devicesRetried.get());
        m.put("failedAttempts", retries.failedAttempts.get());
        m.put("failedAttemptCauses", retries.causes());
        if (firstError != null) {
            m.put("firstError", firstError);
        }
        m.put("conns", conns);
        return m;
    }
}
