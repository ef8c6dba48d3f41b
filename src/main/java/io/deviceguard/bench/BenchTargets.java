package io.deviceguard.bench;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.broker.EmbeddedBroker;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import io.deviceguard.platform.Platform;
import io.deviceguard.sdk.DeviceIdentity;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedRouteMBean;

/** What the throughput benchmark loads: deviceguard, the bare Artemis broker, Mosquitto. */
final class BenchTargets {

    private BenchTargets() {
    }

    /** Where handled messages are counted: index of the message (from its msgId) and when it was handled. */
    interface Sink {
        void handled(int index, long atMillis);
    }

    /** A broker or platform under load. */
    interface Target extends AutoCloseable {
        String name();

        int port();

        /** Called while waiting: a target whose end point is not a subscriber looks for newly handled messages. */
        default void collect(Sink sink) {
        }

        /** Called as a step starts: the target counts its own statistics of the step afresh. */
        default void startStep() {
        }

        /** What the target measured of itself during the step (nothing for the bare brokers). */
        default Map<String, Object> stepStats() {
            return Map.of();
        }

        @Override
        void close();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port: " + e.getMessage(), e);
        }
    }

    /** The index in a bench msgId ({@code b<run>-<index>}) inside a signed envelope, without verifying anything. */
    static int indexOf(byte[] jws) {
        String text = new String(jws, StandardCharsets.US_ASCII);
        int a = text.indexOf('.');
        int b = text.indexOf('.', a + 1);
        if (a < 0 || b < 0) {
            return -1;
        }
        return indexInDetails(new String(Base64.getUrlDecoder().decode(text.substring(a + 1, b)), StandardCharsets.UTF_8));
    }

    static int indexInDetails(String json) {
        int m = json.indexOf("\"msgId\":\"");
        if (m < 0) {
            return -1;
        }
        int start = m + 9;
        int end = json.indexOf('"', start);
        int dash = json.lastIndexOf('-', end);
        if (end < 0 || dash < start || json.charAt(start) != 'b') {
            return -1;
        }
        return Integer.parseInt(json, dash + 1, end, 10);
    }

    /** deviceguard in this process: every message verified, checked, audited; handled = its audit row exists. */
    static final class DeviceGuard implements Target {
        private final Platform platform;
        private long lastSeq;

        DeviceGuard(Settings settings) {
            platform = Platform.start(settings);
            lastSeq = maxSeq();
        }

        static Settings settings(Path home, int mqttPort) {
            return Settings.load(new io.deviceguard.config.Home(home), java.util.Map.of(SettingKeys.MQTT_HOST, "127.0.0.1",
                    SettingKeys.MQTT_PORT, Integer.toString(mqttPort), SettingKeys.API_PORT, Integer.toString(freePort()),
                    // ephemeral like the others: a bench must run beside a platform that holds the default 8444
                    SettingKeys.MANAGEMENT_PORT, Integer.toString(freePort())),
                    System.getenv());
        }

        Platform platform() {
            return platform;
        }

        @Override
        public String name() {
            return "deviceguard";
        }

        @Override
        public int port() {
            return platform.mqttPort();
        }

        private long maxSeq() {
            try (Connection c = platform.services().database().dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("select coalesce(max(seq), 0) from audit_events");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private long batches0;
        private long units0;

        private List<ManagedRouteMBean> routes() {
            ManagedCamelContext managed = platform.camelContext().getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
            if (managed == null) {
                return List.of();
            }
            return platform.camelContext().getRoutes().stream().map(r -> managed.getManagedRoute(r.getRouteId()))
                    .filter(java.util.Objects::nonNull).toList();
        }

        /** Waits (at most 5 s) until no exchange is in flight: messages already audited finish their last writes. */
        private void settle() {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (platform.camelContext().getInflightRepository().size() > 0 && System.nanoTime() < end) {
                sleep(10);
            }
        }

        @Override
        public void startStep() {
            settle();
            for (ManagedRouteMBean r : routes()) {
                r.reset();
            }
            io.deviceguard.store.WriteBatcher w = platform.pipelineWrites();
            batches0 = w == null ? 0 : w.batches();
            units0 = w == null ? 0 : w.units();
        }

        /**
         * Per route that handled exchanges in the step: how many and their mean time (Camel's JMX statistics, whole
         * milliseconds: a step that never waits shows 0), so that a message's latency can be split into the steps it
         * waited in; and how many writes the pipeline writer's commits carried.
         */
        @Override
        public Map<String, Object> stepStats() {
            settle();
            Map<String, Object> routes = new java.util.TreeMap<>();
            for (ManagedRouteMBean r : routes()) {
                if (r.getExchangesCompleted() + r.getExchangesFailed() > 0) {
                    routes.put(r.getRouteId(), Map.of("exchanges", r.getExchangesCompleted() + r.getExchangesFailed(),
                            "meanMillis", r.getMeanProcessingTime(), "maxMillis", r.getMaxProcessingTime()));
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("routes", routes);
            io.deviceguard.store.WriteBatcher w = platform.pipelineWrites();
            if (w != null) {
                long batches = w.batches() - batches0;
                long units = w.units() - units0;
                m.put("pipelineWriter", Map.of("commits", batches, "writes", units,
                        "writesPerCommit", batches == 0 ? 0 : Math.round(10.0 * units / batches) / 10.0));
            }
            return m;
        }

        @Override
        public void collect(Sink sink) {
            // by the primary key only: a filter on category lets the database pick the category index and scan every
            // message row of the trail each time, which cost the benchmark more CPU than the platform it measures
            try (Connection c = platform.services().database().dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("select seq, ts, details, category, action from audit_events"
                         + " where seq > ? order by seq")) {
                ps.setLong(1, lastSeq);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lastSeq = Math.max(lastSeq, rs.getLong(1));
                        if (!AuditCategory.MESSAGE.label().equals(rs.getString(4)) || !"telemetry".equals(rs.getString(5))) {
                            continue;
                        }
                        int i = indexInDetails(rs.getString(3));
                        if (i >= 0) {
                            sink.handled(i, rs.getTimestamp(2).getTime());
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the audit trail: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            platform.close();
        }
    }

    /** A plain subscriber (QoS 1, persistent session) on devices/+/telemetry of a bare broker: handled = received. */
    abstract static class Subscribed implements Target {
        private LoadClient.Conn subscriber;

        void subscribe(LoadClient client, DeviceIdentity as, Sink sink) {
            for (int attempt = 0; ; attempt++) {
                try {
                    subscriber = client.connect("127.0.0.1", port(), LoadClient.tls(as), as.id(), false,
                            (topic, body) -> {
                                int i = indexOf(body);
                                if (i >= 0) {
                                    sink.handled(i, System.currentTimeMillis());
                                }
                            }).get(30, TimeUnit.SECONDS);
                    subscriber.subscribe("devices/+/telemetry").get(30, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (attempt >= 20) {
                        throw new IllegalStateException(name() + ": the subscriber cannot connect: " + e, e);
                    }
                    sleep(250);
                }
            }
        }

        void closeSubscriber() {
            if (subscriber != null) {
                subscriber.disconnect();
            }
        }
    }

    /** Artemis 2.55 from the same broker.xml, same acceptor and TLS, no security manager, plugins or routes. */
    static final class BareArtemis extends Subscribed {
        private final ActiveMQServer server;
        private final int port;

        BareArtemis(Settings settings, Pki pki, Path dataDir) {
            this.port = settings.getInt(SettingKeys.MQTT_PORT);
            this.server = EmbeddedBroker.startBare(settings, pki, dataDir);
        }

        @Override
        public String name() {
            return "artemis-bare";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() {
            closeSubscriber();
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Mosquitto (Debian's) with mutual TLS on the same server certificate and CAs. */
    static final class Mosquitto extends Subscribed {
        private final Process process;
        private final int port;

        static String executable() {
            for (String p : List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")) {
                if (Files.isExecutable(Path.of(p))) {
                    return p;
                }
            }
            return null;
        }

        Mosquitto(Pki pki, Path dir) throws IOException {
            String exe = executable();
            if (exe == null) {
                throw new IllegalStateException("mosquitto is not installed (Debian: apt-get install mosquitto)");
            }
            Files.createDirectories(dir);
            port = freePort();
            Path cas = dir.resolve("cas.pem");
            Files.writeString(cas, Files.readString(pki.file(Pki.ROOT_CA)) + Files.readString(pki.file(Pki.DEVICE_CA)));
            StringBuilder conf = new StringBuilder()
                    .append("listener ").append(port).append(" 127.0.0.1\n")
                    .append("cafile ").append(cas.toAbsolutePath()).append('\n')
                    .append("certfile ").append(pki.file(Pki.SERVER_CERT).toAbsolutePath()).append('\n')
                    .append("keyfile ").append(pki.file(Pki.SERVER_KEY).toAbsolutePath()).append('\n')
                    .append("require_certificate true\nuse_identity_as_username true\nallow_anonymous false\n")
                    .append("persistence false\nmax_queued_messages 1000000\nmax_inflight_messages 64\n")
                    .append("log_dest stderr\nlog_type error\nlog_type warning\n");
            if ("root".equals(System.getProperty("user.name"))) {
                conf.append("user root\n");
            }
            Path file = dir.resolve("mosquitto.conf");
            Files.writeString(file, conf);
            process = new ProcessBuilder(exe, "-c", file.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (true) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    break;
                } catch (IOException e) {
                    if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("mosquitto did not start; see " + dir.resolve("mosquitto.log"));
                    }
                    sleep(50);
                }
            }
        }

        @Override
        public String name() {
            return "mosquitto";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() {
            closeSubscriber();
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
