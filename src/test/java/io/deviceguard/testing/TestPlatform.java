package io.deviceguard.testing;

import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.platform.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import io.deviceguard.user.Actor;
import io.deviceguard.user.Role;
import io.deviceguard.user.UserAccount;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A real platform for a test: its own home in a temporary folder, the MQTT acceptor on a free loopback port, and
 * helpers to create devices and read the audit trail.
 */
public final class TestPlatform implements AutoCloseable {

    private final Path home;
    private final Platform platform;

    private TestPlatform(Path home, Platform platform) {
        this.home = home;
        this.platform = platform;
    }

    public static TestPlatform start(Path home) {
        return start(home, Map.of());
    }

    public static TestPlatform start(Path home, Map<String, String> extra) {
        return start(home, extra, Clock.systemUTC(), Map.of());
    }

    /** With the clock sessions and lockouts go by, and the environment the platform sees (bootstrap password). */
    public static TestPlatform start(Path home, Map<String, String> extra, Clock clock, Map<String, String> environment) {
        Map<String, String> props = new HashMap<>(testProperties());
        // PostgreSQL under -Ddeviceguard.test.db=postgresql; a test that chooses its own database overrides it
        props.putAll(TestDatabase.settings(home));
        props.putAll(extra);
        Settings settings = Settings.load(new Home(home), props, Map.of());
        Platform platform = Platform.start(settings, clock, environment);
        if (!extra.containsKey("deviceguard.db.url")
                && !platform.services().database().vendor().equals(TestDatabase.vendor())) {
            platform.close();
            throw new IllegalStateException("the platform runs on " + platform.services().database().vendor()
                    + ", not on this run's " + TestDatabase.vendor());
        }
        return new TestPlatform(home, platform);
    }

    /** Loopback, free ports (MQTT, admin API), a node ID of its own (the broker's JMX name). */
    public static Map<String, String> testProperties() {
        Map<String, String> props = new HashMap<>();
        props.put("deviceguard.mqtt.host", "127.0.0.1");
        props.put("deviceguard.mqtt.port", Integer.toString(Ports.free()));
        props.put("deviceguard.api.port", Integer.toString(Ports.free()));
        props.put("deviceguard.node.id", "test-" + UUID.randomUUID().toString().substring(0, 8));
        // the management port on any free port; the Hawtio console only where a test asks for it (it is one per JVM)
        props.put("deviceguard.management.port", "0");
        props.put("deviceguard.management.hawtio", "false");
        // a whole test run on the broker's other TLS engine (the default is OPENSSL): mvn verify -Ddeviceguard.test.tls.provider=JDK
        String tls = System.getProperty("deviceguard.test.tls.provider");
        if (tls != null && !tls.isBlank()) {
            props.put("deviceguard.tls.provider", tls);
        }
        return props;
    }

    public Platform platform() {
        return platform;
    }

    public Path home() {
        return home;
    }

    public int mqttPort() {
        return platform.mqttPort();
    }

    public int adminPort() {
        return platform.adminPort();
    }

    /** The port of the HTTPS management listener (metrics, health, Hawtio). */
    public int managementPort() {
        return platform.management().port();
    }

    /** Creates an enabled account as a host command would. */
    public UserAccount createUser(String name, Role role, String password) {
        return platform.users().accounts().create(name, role, password.toCharArray(), Actor.host("test"));
    }

    /** Creates an ACTIVE device with a host-made key; its files go to {@code HOME/devices/ID/}. */
    public DeviceFiles createDevice(String id) {
        Path out = home.resolve("devices").resolve(id);
        DeviceEnrollment.Bundle b = new DeviceEnrollment(platform.services().pki(), platform.services().registry(),
                platform.services().audit()).createWithHostKey(id, out, Duration.ofDays(30), "test");
        return new DeviceFiles(id, b.key(), b.certificate(), b.ca(), b.pkcs12(), readPassword(b.pkcs12Password()));
    }

    private static String readPassword(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public List<AuditRecord> audit(int limit) {
        return new AuditQuery(platform.services().database().dataSource()).newest(limit, AuditQuery.Filter.ANY);
    }

    /** Waits until an audit row matching {@code p} is stored, and returns it. */
    public AuditRecord awaitAudit(String description, Predicate<AuditRecord> p) {
        return awaitAudit(description, AuditQuery.Filter.ANY, p);
    }

    /**
     * The newest row of category {@code category} that matches {@code p}: for rows that busy traffic (the telemetry of
     * many devices) pushes out of the newest 500 of the whole trail.
     */
    public AuditRecord awaitAuditIn(String category, String description, Predicate<AuditRecord> p) {
        return awaitAudit(description, new AuditQuery.Filter(category, null, null, null), p);
    }

    private AuditRecord awaitAudit(String description, AuditQuery.Filter filter, Predicate<AuditRecord> p) {
        AuditQuery query = new AuditQuery(platform.services().database().dataSource());
        AuditRecord[] found = new AuditRecord[1];
        try {
            await(description).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (AuditRecord r : query.newest(500, filter)) {
                    if (p.test(r)) {
                        found[0] = r;
                        return true;
                    }
                }
                return false;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder sb = new StringBuilder("no audit row for '" + description + "'; newest rows:");
            audit(25).forEach(r -> sb.append("\n  ").append(r.seq()).append(' ').append(r.category()).append(' ')
                    .append(r.action()).append(' ').append(r.outcome()).append(' ').append(r.actor()).append(' ')
                    .append(r.target()).append(' ').append(r.details()));
            throw new AssertionError(sb.toString(), e);
        }
        return found[0];
    }

    /** The rows an admin API call left (its request ID is in their details), oldest first. */
    public List<AuditRecord> auditOfRequest(String requestId) {
        List<AuditRecord> rows = new java.util.ArrayList<>(audit(5000).stream()
                .filter(r -> r.details() != null && r.details().contains("\"requestId\":\"" + requestId + "\"")).toList());
        java.util.Collections.reverse(rows);
        return rows;
    }

    public static Predicate<AuditRecord> row(String category, String action, String outcome) {
        return r -> r.category().equals(category) && r.action().equals(action) && r.outcome().equals(outcome);
    }

    public static Predicate<AuditRecord> reason(String reason) {
        return r -> r.details() != null && r.details().contains("\"reason\":\"" + reason + "\"");
    }

    /** A count query against the platform's database: {@code count("select count(*) from t where a = ?", x)}. */
    public long count(String sql, Object... args) {
        try (java.sql.Connection c = platform.services().database().dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        platform.close();
    }
}
