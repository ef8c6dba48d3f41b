package io.deviceguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.cli.ApiClient;
import io.deviceguard.command.CommandState;
import io.deviceguard.command.ExecutionState;
import io.deviceguard.config.Settings;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.pki.Pki;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceCommands;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.user.Actor;
import io.deviceguard.user.Role;
import io.deviceguard.user.UserServices;
import io.deviceguard.user.UserSettings;
import io.netty.handler.ssl.SslContext;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * of them, created through the admin API; the time from the command's creation until every execution is SUCCEEDED.
 * The platform runs in its own process ({@code deviceguard run}), the devices in this one.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = {"One signed command to N connected simulated devices: time until all are SUCCEEDED."})
final class FanoutBench extends BenchCommand.Common implements Callable<Integer> {

    @Option(names = "--devices", defaultValue = "10000", description = "Devices (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for all results (default ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--warmup-commands", defaultValue = "1", description = {"Commands to all devices first, not counted,",
            "while the just-started platform's JIT compiles (default ${DEFAULT-VALUE})"})
    int warmupCommands;

    @Option(names = "--heap", defaultValue = "2g", description = "The platform's -Xmx (default ${DEFAULT-VALUE})")
    String heap;

    /**
     * The group of the bench's devices, made through the API on the first run and completed on a later one (a run that
     * stopped between creating the group and adding its members left it short).
     */
    private static void ensureGroup(ApiClient api, String group, Settings settings, List<DeviceIdentity> fleet) {
        int members = -1;
        for (JsonNode g : api.get("/api/v1/groups", Map.of()).path("groups")) {
            if (g.path("name").asText().equals(group)) {
                members = g.path("members").asInt();
            }
        }
        if (members < 0) {
            api.post("/api/v1/groups", Map.of("name", group));
        }
        if (members < fleet.size()) {
            // in parts of at most half the admin API's body limit (deviceguard.api.maxBodyBytes, 16 KiB by default):
            // 10,000 device IDs in one request are 170 KB, and the API refuses it; members already there are kept
            List<String> ids = fleet.stream().map(DeviceIdentity::id).toList();
            int perRequest = membersPerRequest(settings.getInt(SettingKeys.API_MAX_BODY_BYTES), ids);
            for (int from = 0; from < ids.size(); from += perRequest) {
                api.post("/api/v1/groups/" + group + "/members",
                        Map.of("devices", ids.subList(from, Math.min(ids.size(), from + perRequest))));
            }
        }
    }

    /** Device IDs per request that adds members to a group: their JSON fills at most half of {@code maxBodyBytes}. */
    static int membersPerRequest(int maxBodyBytes, List<String> ids) {
        int longest = ids.stream().mapToInt(String::length).max().orElse(1);
        return Math.max(1, (maxBodyBytes / 2) / (longest + 3)); // "id",
    }

    /** The bench home's operator account: creates groups and commands through the admin API, as a user would. */
    static final String OPERATOR = "bench-operator";
    /** HOME/bench-devices/bench-operator.account: the operator's name and password. */
    static final String OPERATOR_FILE = OPERATOR + ".account";

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        Settings settings = settings(BenchTargets.freePort());
        prepareHome(settings);
        List<DeviceIdentity> fleet = Fleet.ensure(settings, devices, out);
        String[] operator = operator(settings);
        X509Certificate commandCert = io.deviceguard.pki.Pem.readCertificate(settings.home().certs().resolve(Pki.COMMAND_CERT));
        Report report = new Report("fanout");
        // the platform in its own process, as a user runs it: 10,000 devices are 10,000 sockets on each side, and one
        // process may hold 20,000 files on this machine
        try (ChildPlatform p = ChildPlatform.start(home(), this.out.resolve("fanout-platform.log").toAbsolutePath(),
                List.of("-Xmx" + heap), List.of("--deviceguard.limits.connections=" + (devices + 100)));
             LoadClient client = new LoadClient(2)) {
            ApiClient api = login(p, settings, operator);
            long c0 = System.nanoTime();
            List<LoadClient.Conn> conns = connectAll(client, p.mqttPort, fleet, commandCert);
            long connectMs = (System.nanoTime() - c0) / 1_000_000;
            out.printf("%d of %d devices connected and subscribed in %d ms%n", conns.size(), devices, connectMs);
            out.flush();
            String group = "bench-fanout-" + devices;
            ensureGroup(api, group, settings, fleet);
            List<Map<String, Object>> warmups = new ArrayList<>();
            for (int w = 1; w <= warmupCommands; w++) {
                // not counted: the platform's JIT compiles the dispatch, the status pipeline and the sweep meanwhile
                Outcome r = fanOut(api, group, w);
                out.printf("warm-up command %d of %d: all published after %d ms; %d of %d SUCCEEDED after %d ms%n", w,
                        warmupCommands, r.allPublishedMillis, r.succeeded, devices, r.millis);
                out.flush();
                warmups.add(Map.of("allPublishedMillis", r.allPublishedMillis, "millis", r.millis, "succeeded", r.succeeded));
            }
            Outcome r = fanOut(api, group, 0);
            long allSent = r.allPublishedMillis;
            long doneMs = r.millis;
            int succeeded = r.succeeded;
            Map<String, Object> counts = r.counts;
            out.printf("command %s: all published after %d ms; %d of %d SUCCEEDED after %d ms (%s)%n", r.id, allSent,
                    succeeded, devices, doneMs, counts);
            conns.forEach(LoadClient.Conn::disconnect);
            report.put("devices", devices).put("platformMaxHeap", heap).put("warmupCommands", warmups).put("connected", conns.size()).put("connectMillis", connectMs)
                    .put("allPublishedMillis", allSent).put("allSucceededMillis", succeeded == devices ? doneMs : -1)
                    .put("succeeded", succeeded).put("counts", counts)
                    .put("target", Map.of("allSucceededMillis", 10_000, "met", succeeded == devices && doneMs < 10_000));
            report.line("One signed `configure` command to %d connected devices (SDK command handler: verify, DELIVERED, SUCCEEDED),"
                            + " created through the admin API of the platform in its own process (-Xmx%s), after %d warm-up"
                            + " command(s) to the same devices (not counted).", devices, heap, warmupCommands)
                    .line("").line("- all executions published (none QUEUED) after %d ms", allSent)
                    .line("- %d of %d SUCCEEDED after **%d ms** (target < 10,000 ms)", succeeded, devices, doneMs)
                    .line("- final counts: %s", counts);
        }
        report.write(this.out, out);
        return 0;
    }

    private record Outcome(String id, long allPublishedMillis, long millis, int succeeded, Map<String, Object> counts) {
    }

    /** One {@code configure} command to the group, created through the API; polls its status until COMPLETED. */
    private Outcome fanOut(ApiClient api, String group, int warmup) {
        long t0 = System.nanoTime();
        String id = api.post("/api/v1/commands", Map.of("type", "configure", "params", Map.of("sampleRateHz", 50 + warmup),
                "target", "group:" + group)).path("id").asText();
        long allSent = -1;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeout);
        JsonNode s = api.get("/api/v1/commands/" + id, Map.of());
        while (!s.path("state").asText().equals(CommandState.COMPLETED.name()) && System.nanoTime() < deadline) {
            if (allSent < 0 && s.path("counts").path(ExecutionState.QUEUED.name()).asInt() == 0) {
                allSent = (System.nanoTime() - t0) / 1_000_000;
            }
            BenchTargets.sleep(100);
            s = api.get("/api/v1/commands/" + id, Map.of());
        }
        long doneMs = (System.nanoTime() - t0) / 1_000_000;
        Map<String, Object> counts = new LinkedHashMap<>();
        s.path("counts").fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asInt()));
        return new Outcome(id, allSent, doneMs, s.path("counts").path(ExecutionState.SUCCEEDED.name()).asInt(), counts);
    }

    /**
     * The bench home's operator account: its name and password, made on the first run and kept beside the bench
     * devices' key store passwords (a bench home is never a production home). The name has a random part, so a home
     * whose file was deleted gets a new account rather than a clash with the old one.
     */
    private static String[] operator(Settings settings) throws java.io.IOException {
        Path file = settings.home().root().resolve("bench-devices").resolve(OPERATOR_FILE);
        if (Files.isRegularFile(file)) {
            String[] kept = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ", 2);
            if (kept.length == 2) {
                return kept;
            }
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        String name = OPERATOR + "-" + Integer.toString(100_000 + random.nextInt(900_000));
        byte[] secret = new byte[18];
        random.nextBytes(secret);
        String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        try (PlatformServices s = PlatformServices.open(settings, false)) {
            UserServices.create(s.database().dataSource(), s.audit(), Clock.systemUTC(), UserSettings.from(settings)).accounts()
                    .create(name, Role.OPERATOR, password.toCharArray(), Actor.host("bench"));
        }
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        // readable by its owner from the start, not after a chmod
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, name + " " + password, StandardCharsets.US_ASCII);
        return new String[] {name, password};
    }

    private static ApiClient login(ChildPlatform p, Settings settings, String[] operator) {
        Path ca = settings.home().certs().resolve(Pki.ROOT_CA);
        String url = "https://127.0.0.1:" + p.adminPort;
        String token = new ApiClient(url, ca, null).post("/api/v1/login", Map.of("username", operator[0],
                "password", operator[1])).path("token").asText();
        return new ApiClient(url, ca, token);
    }

    private static List<LoadClient.Conn> connectAll(LoadClient client, int port, List<DeviceIdentity> fleet, X509Certificate commandCert)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(500);
        List<CompletableFuture<LoadClient.Conn>> all = new ArrayList<>();
        List<SslContext> contexts = fleet.parallelStream().map(LoadClient::tls).toList();
        for (int i = 0; i < fleet.size(); i++) {
            DeviceIdentity d = fleet.get(i);
            SslContext tls = contexts.get(i);
            inFlight.acquire();
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
