package io.deviceguard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.command.CommandState;
import io.deviceguard.command.Commands;
import io.deviceguard.command.ExecutionState;
import io.deviceguard.command.Rollout;
import io.deviceguard.config.Settings;
import io.deviceguard.sdk.DeviceCommands;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.user.Actor;
import io.netty.handler.ssl.SslContext;
import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deviceguard bench fanout}: N connected devices (each with the SDK's command handler: verifies the platform's
 * signature, reports DELIVERED then SUCCEEDED as signed status messages), one signed {@code configure} command to all
 * of them; the time from the command's creation until every execution is SUCCEEDED.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = {"One signed command to N connected simulated devices: time until all are SUCCEEDED."})
final class FanoutBench extends BenchCommand.Common implements Callable<Integer> {

    @Option(names = "--devices", defaultValue = "10000", description = "Devices (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for all results (default ${DEFAULT-VALUE})")
    int timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        Settings base = settings(BenchTargets.freePort());
        prepareHome(base);
        List<DeviceIdentity> fleet = Fleet.ensure(base, devices, out);
        Report report = new Report("fanout");
        Settings settings = Settings.load(new io.deviceguard.config.Home(home()), Map.of(
                io.deviceguard.config.SettingKeys.MQTT_HOST, "127.0.0.1",
                io.deviceguard.config.SettingKeys.MQTT_PORT, Integer.toString(BenchTargets.freePort()),
                io.deviceguard.config.SettingKeys.API_PORT, Integer.toString(BenchTargets.freePort()),
                io.deviceguard.config.SettingKeys.LIMITS_CONNECTIONS, Integer.toString(devices + 100)), System.getenv());
        try (BenchTargets.DeviceGuard dg = new BenchTargets.DeviceGuard(settings); LoadClient client = new LoadClient(2)) {
            X509Certificate commandCert = dg.platform().services().pki().commandCertificate();
            long c0 = System.nanoTime();
            List<LoadClient.Conn> conns = connectAll(client, dg.port(), fleet, commandCert);
            long connectMs = (System.nanoTime() - c0) / 1_000_000;
            out.printf("%d of %d devices connected and subscribed in %d ms%n", conns.size(), devices, connectMs);
            out.flush();
            Commands commands = dg.platform().commands();
            String group = "bench-fanout-" + devices;
            if (!commands.groups().containsKey(group)) {
                commands.createGroup(group, Actor.host("bench"));
                commands.addToGroup(group, fleet.stream().map(DeviceIdentity::id).toList(), Actor.host("bench"));
            }
            long t0 = System.nanoTime();
            io.deviceguard.command.Command c = commands.create("configure", new ObjectMapper().createObjectNode().put("sampleRateHz", 50),
                    "group:" + group, Rollout.UNLIMITED, null, null, Actor.host("bench"));
            long allSent = -1;
            long deadline = t0 + TimeUnit.SECONDS.toNanos(timeout);
            Commands.Status s = commands.status(c.id(), false);
            while (s.command().state() != CommandState.COMPLETED && System.nanoTime() < deadline) {
                if (allSent < 0 && s.counts().getOrDefault(ExecutionState.QUEUED, 0) == 0) {
                    allSent = (System.nanoTime() - t0) / 1_000_000;
                }
                BenchTargets.sleep(100);
                s = commands.status(c.id(), false);
            }
            long doneMs = (System.nanoTime() - t0) / 1_000_000;
            int succeeded = s.counts().getOrDefault(ExecutionState.SUCCEEDED, 0);
            out.printf("command %s: all published after %d ms; %d of %d SUCCEEDED after %d ms (%s)%n", c.id(), allSent,
                    succeeded, devices, doneMs, s.counts());
            conns.forEach(LoadClient.Conn::disconnect);
            Map<String, Object> counts = new LinkedHashMap<>();
            s.counts().forEach((k, v) -> counts.put(k.name(), v));
            report.put("devices", devices).put("connected", conns.size()).put("connectMillis", connectMs)
                    .put("allPublishedMillis", allSent).put("allSucceededMillis", succeeded == devices ? doneMs : -1)
                    .put("succeeded", succeeded).put("counts", counts)
                    .put("target", Map.of("allSucceededMillis", 10_000, "met", succeeded == devices && doneMs < 10_000));
            report.line("One signed `configure` command to %d connected devices (SDK command handler: verify, DELIVERED, SUCCEEDED).", devices)
                    .line("").line("- all executions published (none QUEUED) after %d ms", allSent)
                    .line("- %d of %d SUCCEEDED after **%d ms** (target < 10,000 ms)", succeeded, devices, doneMs)
                    .line("- final counts: %s", counts);
        }
        report.write(this.out, out);
        return 0;
    }

    private static List<LoadClient.Conn> connectAll(LoadClient client, int port, List<DeviceIdentity> fleet, X509Certificate commandCert)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(500);
        List<CompletableFuture<LoadClient.Conn>> all = new ArrayList<>();
        for (DeviceIdentity d : fleet) {
            inFlight.acquire();
            SslContext tls = LoadClient.tls(d);
            AtomicReference<LoadClient.Conn> self = new AtomicReference<>();
            DeviceCommands handler = new DeviceCommands(d, commandCert, "1.0", Clock.systemUTC(), (commandId, state, reason, detail) -> {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("commandId", commandId);
                data.put("state", state);
                if (reason != null) {
                    data.put("reason", reason);
                }
                if (detail != null) {
                    data.put("detail", detail);
                }
                self.get().publish("devices/" + d.id() + "/commands/status",
                        Envelope.sign(d, "command-status", data).getBytes(java.nio.charset.StandardCharsets.US_ASCII), null, true);
            });
            CompletableFuture<LoadClient.Conn> f = client.connect("127.0.0.1", port, tls, d.id(), true,
                    (topic, body) -> handler.handle(body)).thenCompose(c -> {
                        self.set(c);
                        return c.subscribe("devices/" + d.id() + "/commands").thenApply(v -> c);
                    });
            f.whenComplete((c, e) -> inFlight.release());
            all.add(f);
        }
        List<LoadClient.Conn> conns = new ArrayList<>();
        for (CompletableFuture<LoadClient.Conn> f : all) {
            try {
                conns.add(f.get(120, TimeUnit.SECONDS));
            } catch (Exception e) {
                // reported as not connected
            }
        }
        return conns;
    }
}
