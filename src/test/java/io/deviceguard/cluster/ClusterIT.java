package io.deviceguard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceCommands;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.ChildPlatform;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.JarProcess;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Actor;
import io.deviceguard.user.Role;
import io.deviceguard.user.UserServices;
import io.deviceguard.user.UserSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of the packaged platform (child processes, configured from the example files broker/cluster-node-a and
 * -b.properties), an Artemis cluster over mutual TLS on loopback, one real PostgreSQL, one PKI (node A's HOME/certs
 * copied to node B, as docs/cluster.md says). A device on node A receives commands created through node B's admin
 * API, each published once although both nodes dispatch; telemetry published on node B is handled exactly once
 * across both nodes' routes (shared subscriptions, ON_DEMAND load balancing); node A is killed with SIGKILL while its
 * devices publish QoS 1, they go on through node B, and every message a node acknowledged is handled exactly once
 * (those A acknowledged and had not handled after A returns); the audit chain, written by both, verifies.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
@EnabledOnOs(OS.LINUX)
@Timeout(900)
class ClusterIT {

    static final int TELEMETRY = Integer.getInteger("cluster.telemetry", 300);
    static final int FAILOVER_DEVICES = 4;
    static final int COMMANDS = 4;
    static final Pattern MSG_ID = Pattern.compile("\"msgId\":\"([^\"]+)\"");
    static final Pattern NODE = Pattern.compile("\"node\":\"([^\"]+)\"");

    @TempDir
    Path tmp;

    private String jdbcUrl;

    @Test
    void twoNodesShareDevicesCommandsAndTheAuditTrailAndSurviveTheLossOfOne() throws Exception {
        int pgPort = Ports.free();
        Path homeA = tmp.resolve("node-a");
        Path homeB = tmp.resolve("node-b");
        int mqttA = Ports.free();
        int mqttB = Ports.free();
        int clusterA = Ports.free();
        int clusterB = Ports.free();
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(pgPort).setDataDirectory(tmp.resolve("pg"))
                .setCleanDataDirectory(false).start()) {
            writeHome(homeA, "cluster-node-a.properties", mqttA, Ports.free(), clusterA, clusterB);
            int apiB = Ports.free();
            writeHome(homeB, "cluster-node-b.properties", mqttB, apiB, clusterB, clusterA);

            // one PKI: made on node A, copied to node B (docs/cluster.md)
            Settings settingsA = Settings.load(new Home(homeA), Map.of(), Map.of());
            Pki pki = Pki.ensure(homeA.resolve("certs"), settingsA.getList("deviceguard.pki.serverNames"));
            copyTree(homeA.resolve("certs"), homeB.resolve("certs"));

            // devices and an operator, registered once in the shared database (host commands on node A's home)
            String operatorPassword = TestSecrets.password();
            DeviceFiles commandDevice;
            List<DeviceFiles> telemetryDevices = new ArrayList<>();
            List<DeviceFiles> failoverDevices = new ArrayList<>();
            try (PlatformServices s = PlatformServices.open(settingsA, false)) {
                DeviceEnrollment enrol = new DeviceEnrollment(s.pki(), s.registry(), s.audit());
                commandDevice = files(enrol, homeA, "cmd-a");
                for (int i = 0; i < 3; i++) {
                    telemetryDevices.add(files(enrol, homeA, "tel-" + i));
                }
                for (int i = 0; i < FAILOVER_DEVICES; i++) {
                    failoverDevices.add(files(enrol, homeA, "fo-" + i));
                }
                UserServices.create(s.database().dataSource(), s.audit(), Clock.systemUTC(), UserSettings.from(settingsA))
                        .accounts().create("operator", Role.OPERATOR, operatorPassword.toCharArray(), Actor.host("cluster-test"));
            }
            List<String> servers = List.of("localhost:" + mqttA, "localhost:" + mqttB);

            ChildPlatform nodeA = ChildPlatform.start("run", "--home", homeA.toString());
            ChildPlatform nodeB = ChildPlatform.start("run", "--home", homeB.toString());
            ChildPlatform nodeA2 = null;
            List<DeviceClient> clients = new CopyOnWriteArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            List<Thread> load = new ArrayList<>();
            try {
                nodeA.awaitReady(Duration.ofSeconds(180));
                nodeB.awaitReady(Duration.ofSeconds(180));

                // the cluster port: the cluster node certificate (what peers present) completes TLS; a device's
                // certificate and the routes' service certificate (both from the platform's root) are refused
                SSLContext peer = KeyStores.clientContext(KeyStores.load(pki.file(Pki.CLUSTER_NODE_KEYSTORE),
                        pki.password(Pki.CLUSTER_NODE_KEYSTORE)), pki.password(Pki.CLUSTER_NODE_KEYSTORE),
                        KeyStores.load(pki.file(Pki.CLIENT_TRUSTSTORE), pki.password(Pki.CLIENT_TRUSTSTORE)));
                assertThat(tlsOutcome(clusterA, peer)).as("a peer's TLS to the cluster port").isEqualTo("open");
                assertThat(tlsOutcome(clusterA, TestCerts.sslContext(commandDevice))).as("a device's TLS to the cluster port")
                        .startsWith("refused");
                assertThat(tlsOutcome(clusterA, pki.serviceClientContext())).as("the service certificate on the cluster port")
                        .startsWith("refused");
                await("the refused handshakes on the cluster port are audited").atMost(Duration.ofSeconds(30))
                        .until(() -> count("select count(*) from audit_events where category = 'connection' and action = 'tls-handshake'"
                                + " and outcome = 'denied' and details like '%\"listener\":\"cluster\"%'") >= 2);

                // a device connected to node A, answering commands
                DeviceClient cmd = new DeviceClient(commandDevice.identity(), servers);
                clients.add(cmd);
                DeviceCommands answers = cmd.answerCommands(Pem.readCertificate(homeA.resolve("certs").resolve(Pki.COMMAND_CERT)), "1.0.0");
                List<DeviceCommands.Verdict> verdicts = new CopyOnWriteArrayList<>();
                cmd.onCommands(bytes -> verdicts.add(answers.handle(bytes)));
                cmd.connect(true);
                cmd.subscribeCommands();
                assertThat(cmd.currentServer()).endsWith(":" + mqttA);

                // telemetry published on node B: once the cluster carries it to node A's routes, N messages
                DeviceClient[] onB = new DeviceClient[telemetryDevices.size()];
                for (int i = 0; i < onB.length; i++) {
                    onB[i] = new DeviceClient(telemetryDevices.get(i).identity(), List.of("localhost:" + mqttB));
                    onB[i].connect();
                    clients.add(onB[i]);
                }
                Set<String> probes = ConcurrentHashMap.newKeySet();
                await("node A's routes handle telemetry published on node B (the cluster is formed)")
                        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                            probes.add(publishAcked(onB[0], telemetryDevices.get(0).identity()));
                            return handledBy(probes).containsValue("node-a");
                        });
                Set<String> telemetry = ConcurrentHashMap.newKeySet();
                for (int n = 0; n < TELEMETRY; n++) {
                    telemetry.add(publishAcked(onB[n % onB.length], telemetryDevices.get(n % onB.length).identity()));
                }
                await("every telemetry message handled").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> telemetryRows(telemetry).keySet().containsAll(telemetry));
                Map<String, Integer> rows = telemetryRows(telemetry);
                assertThat(rows.values()).as("one telemetry row per message").allMatch(c -> c == 1);
                Map<String, Long> split = handledBy(telemetry).values().stream()
                        .collect(Collectors.groupingBy(v -> v, Collectors.counting()));
                assertThat(handledBy(telemetry)).as("one accepted-message audit row per message").hasSize(TELEMETRY);
                assertThat(auditRowsPerMessage(telemetry).values()).allMatch(c -> c == 1);
                System.out.println("[cluster] " + TELEMETRY + " telemetry messages published on node B, handled by: " + split);
                assertThat(split).as("both nodes' routes handle a share").containsKeys("node-a", "node-b");

                // commands created through node B reach the device on node A, each published once by one of the nodes
                AdminApiClient apiOfB = new AdminApiClient(apiB, homeB.resolve("certs").resolve(Pki.ROOT_CA));
                String token = apiOfB.token("operator", operatorPassword);
                List<String> commandIds = new ArrayList<>();
                for (int i = 0; i < COMMANDS; i++) {
                    AdminApiClient.Reply r = apiOfB.post("/api/v1/commands", token, "{\"type\":\"reboot\",\"target\":\"device:cmd-a\"}");
                    assertThat(r.status()).as(r.body()).isEqualTo(201);
                    commandIds.add(r.json().path("id").asText());
                }
                await("every command SUCCEEDED").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> commandIds.stream().allMatch(id -> "SUCCEEDED".equals(executionState(id, "cmd-a"))));
                for (String id : commandIds) {
                    assertThat(verdicts.stream().filter(v -> v.commandId().equals(id)).toList()).as("deliveries of " + id)
                            .hasSize(1).allMatch(DeviceCommands.Verdict::accepted);
                    assertThat(sentRows(id)).as("execution.sent rows of " + id).hasSize(1);
                }
                System.out.println("[cluster] commands created on node B, published by: "
                        + commandIds.stream().map(id -> sentRows(id).get(0)).collect(Collectors.groupingBy(v -> v, Collectors.counting())));

                // node A's devices publish QoS 1; node A is killed; they carry on through node B
                Map<String, String> ackedBy = new ConcurrentHashMap<>();
                Set<String> sent = ConcurrentHashMap.newKeySet();
                for (DeviceFiles d : failoverDevices) {
                    DeviceClient c = new DeviceClient(d.identity(), servers);
                    c.connect();
                    assertThat(c.currentServer()).endsWith(":" + mqttA);
                    clients.add(c);
                    Thread t = new Thread(() -> publishLoop(c, d.identity(), publishing, sent, ackedBy), "publish-" + d.id());
                    load.add(t);
                    t.start();
                }
                await("node A acknowledged telemetry").atMost(Duration.ofSeconds(60))
                        .until(() -> ackedBy.values().stream().filter(s -> s.endsWith(":" + mqttA)).count() >= 200);
                int exit = nodeA.kill9();
                assertThat(exit).isEqualTo(137);
                long ackedByA = ackedBy.values().stream().filter(s -> s.endsWith(":" + mqttA)).count();
                await("node A's devices reconnected to node B and go on").atMost(Duration.ofSeconds(120))
                        .until(() -> ackedBy.values().stream().filter(s -> s.endsWith(":" + mqttB)).count() >= 50L * FAILOVER_DEVICES);
                await("the command device is on node B").atMost(Duration.ofSeconds(60)).until(() -> cmd.isConnected()
                        && cmd.currentServer().endsWith(":" + mqttB));
                // and receives commands there
                AdminApiClient.Reply r = apiOfB.post("/api/v1/commands", token, "{\"type\":\"reboot\",\"target\":\"device:cmd-a\"}");
                String afterFailover = r.json().path("id").asText();
                await("a command after the failover SUCCEEDED").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> "SUCCEEDED".equals(executionState(afterFailover, "cmd-a")));
                publishing.set(false);
                for (Thread t : load) {
                    t.join(30_000);
                }
                Set<String> acked = Set.copyOf(ackedBy.keySet());
                Set<String> handledWhileADown = Set.copyOf(telemetryRows(acked).keySet());
                System.out.println("[cluster] failover: " + acked.size() + " messages acknowledged (" + ackedByA
                        + " by node A before the kill), " + handledWhileADown.size() + " handled while node A was down");

                // node A returns: what it had acknowledged and not yet handled is handled now
                nodeA2 = ChildPlatform.start("run", "--home", homeA.toString());
                nodeA2.awaitReady(Duration.ofSeconds(180));
                try {
                    await("every acknowledged message handled").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> telemetryRows(acked).keySet().containsAll(acked));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    Set<String> missing = new java.util.HashSet<>(acked);
                    missing.removeAll(telemetryRows(acked).keySet());
                    throw new AssertionError(missing.size() + " of " + acked.size() + " acknowledged messages never handled, e.g. "
                            + missing.stream().limit(5).map(m -> m + " acked by " + ackedBy.get(m)).toList(), e);
                }
                Map<String, Integer> failoverRows = telemetryRows(sent);
                assertThat(failoverRows.values()).as("no message handled twice").allMatch(c -> c == 1);
                // a message whose handling the kill interrupted after its audit row is handled again (its copy in node A's
                // journal after the restart, or the device's resent copy on node B): one more row, marked as a redelivery
                Map<String, List<String>> accepted = acceptedRowsPerMessage(sent);
                assertThat(accepted.keySet()).as("an accepted-message audit row for every handled message").containsAll(failoverRows.keySet());
                assertThat(accepted.values()).as("rows beyond the first of a message are marked as redeliveries")
                        .allMatch(list -> list.stream().filter(d -> d.contains("\"redelivery\":true")).count() >= list.size() - 1);
                long interrupted = accepted.values().stream().filter(list -> list.size() > 1).count();
                System.out.println("[cluster] after node A returned: " + (acked.size() - handledWhileADown.size())
                        + " acknowledged messages were handled only then; " + (sent.size() - acked.size())
                        + " sent but never acknowledged, of which " + (failoverRows.size() - acked.size()) + " were handled; "
                        + interrupted + " handled again after an interrupted first handling (one telemetry row each)");

                // the audit trail both nodes appended to is one chain
                JarProcess.Result verify = JarProcess.run("ClusterIT", tmp, Map.of(), null, "audit", "verify", "--home", homeB.toString());
                assertThat(verify.exit()).as(verify.output()).isZero();
                System.out.println("[cluster] audit verify: " + verify.output().strip());
            } finally {
                publishing.set(false);
                clients.forEach(DeviceClient::close);
                nodeB.close();
                nodeA.close();
                if (nodeA2 != null) {
                    nodeA2.close();
                }
            }
        }
    }

    /** Publishes signed telemetry until a node acknowledges it; returns its msgId. */
    private static String publishAcked(DeviceClient c, DeviceIdentity d) throws Exception {
        String msgId = UUID.randomUUID().toString();
        String jws = Envelope.sign(d.key(), d.id(), Envelope.payload(d.id(), "telemetry", msgId, System.currentTimeMillis(),
                Map.of("temp", 21.5)).toString());
        c.publishRaw("devices/" + d.id() + "/telemetry", jws, null).waitForCompletion(30_000);
        return msgId;
    }

    /**
     * A device publishing QoS 1, each message until a node acknowledges it (the same signed bytes again after a
     * reconnect: if the first copy was handled, the second is refused as a replay, never handled twice).
     */
    private static void publishLoop(DeviceClient c, DeviceIdentity d, AtomicBoolean running, Set<String> sent,
                                    Map<String, String> ackedBy) {
        String topic = "devices/" + d.id() + "/telemetry";
        while (running.get()) {
            String msgId = UUID.randomUUID().toString();
            String jws = Envelope.sign(d.key(), d.id(), Envelope.payload(d.id(), "telemetry", msgId, System.currentTimeMillis(),
                    Map.of("temp", 21.5)).toString());
            sent.add(msgId);
            while (running.get()) {
                try {
                    String server = c.currentServer();
                    IMqttToken t = c.publishRaw(topic, jws, null);
                    t.waitForCompletion(10_000);
                    if (t.isComplete() && t.getException() == null) {
                        ackedBy.put(msgId, server);
                        break;
                    }
                } catch (MqttException e) {
                    pause(200);   // not connected (yet): paho reconnects to the next node by itself
                }
            }
            pause(10);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** "open" when TLS with this identity is up and the server waits, "refused: ..." when the server ends it. */
    private static String tlsOutcome(int port, SSLContext tls) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(2_000);
            try {
                s.startHandshake();
                int b = s.getInputStream().read();      // TLS 1.3: the server judges the client certificate after the client's Finished
                return b < 0 ? "closed" : "data";
            } catch (SocketTimeoutException e) {
                return "open";
            } catch (SSLException e) {
                return "refused: " + e.getMessage();
            }
        }
    }

    private void writeHome(Path home, String example, int mqttPort, int apiPort, int clusterPort, int peerPort) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("broker", example))) {
            p.load(in);
        }
        p.setProperty("deviceguard.mqtt.port", Integer.toString(mqttPort));
        p.setProperty("deviceguard.api.port", Integer.toString(apiPort));
        p.setProperty("deviceguard.management.port", "0");
        p.setProperty("deviceguard.cluster.port", Integer.toString(clusterPort));
        p.setProperty("deviceguard.cluster.peers", "127.0.0.1:" + peerPort);
        p.setProperty("deviceguard.db.url", jdbcUrl);
        p.setProperty("deviceguard.db.user", "postgres");
        p.setProperty("deviceguard.db.password", "");
        Files.createDirectories(home);
        try (var out = Files.newBufferedWriter(home.resolve("application.properties"))) {
            p.store(out, "from broker/" + example + ", with this test's ports and database");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static DeviceFiles files(DeviceEnrollment enrol, Path home, String id) throws IOException {
        DeviceEnrollment.Bundle b = enrol.createWithHostKey(id, home.resolve("devices").resolve(id), Duration.ofDays(30), "cluster-test");
        return new DeviceFiles(id, b.key(), b.certificate(), b.ca(), b.pkcs12(), Files.readString(b.pkcs12Password()).trim());
    }

    private long count(String sql) throws java.sql.SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection db() throws java.sql.SQLException {
        return DriverManager.getConnection(jdbcUrl, "postgres", "");
    }

    /** Telemetry rows per msgId, of the given msgIds. */
    private Map<String, Integer> telemetryRows(Set<String> msgIds) throws java.sql.SQLException {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select msg_id, count(*) from telemetry where kind = 'telemetry' group by msg_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (msgIds.contains(rs.getString(1))) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    /** The node named in each message's accepted-message audit row. */
    private Map<String, String> handledBy(Set<String> msgIds) throws java.sql.SQLException {
        Map<String, String> out = new HashMap<>();
        for (String details : acceptedRows()) {
            Matcher m = MSG_ID.matcher(details);
            Matcher n = NODE.matcher(details);
            if (m.find() && msgIds.contains(m.group(1))) {
                out.put(m.group(1), n.find() ? n.group(1) : "?");
            }
        }
        return out;
    }

    private Map<String, Integer> auditRowsPerMessage(Set<String> msgIds) throws java.sql.SQLException {
        Map<String, Integer> out = new HashMap<>();
        for (String details : acceptedRows()) {
            Matcher m = MSG_ID.matcher(details);
            if (m.find() && msgIds.contains(m.group(1))) {
                out.merge(m.group(1), 1, Integer::sum);
            }
        }
        return out;
    }

    private Map<String, List<String>> acceptedRowsPerMessage(Set<String> msgIds) throws java.sql.SQLException {
        Map<String, List<String>> out = new HashMap<>();
        for (String details : acceptedRows()) {
            Matcher m = MSG_ID.matcher(details);
            if (m.find() && msgIds.contains(m.group(1))) {
                out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(details);
            }
        }
        return out;
    }

    private List<String> acceptedRows() throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select details from audit_events where category = 'message' and action = 'telemetry' and outcome = 'success'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private String executionState(String commandId, String deviceId) {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select state from command_executions where command_id = ? and device_id = ?")) {
            ps.setString(1, commandId);
            ps.setString(2, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The node of each execution.sent audit row of a command. */
    private List<String> sentRows(String commandId) {
        List<String> out = new ArrayList<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "select details from audit_events where category = 'command' and action = 'execution.sent' and target = ?")) {
            ps.setString(1, commandId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Matcher n = NODE.matcher(rs.getString(1));
                    out.add(n.find() ? n.group(1) : "?");
                }
            }
        } catch (java.sql.SQLException e) {
            throw new UncheckedIOException(new IOException(e));
        }
        return out;
    }
}
