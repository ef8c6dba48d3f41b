package io.deviceguard.audit;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestDatabase;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Completeness: each kind of event DESIGN.md names is driven once and its row is found with its actor, UTC time,
 * action, target and outcome; error rows carry no secret.
 */
class AuditCompletenessIT {

    @TempDir
    Path home;

    @Test
    void everyKindOfEventLeavesAFullRow() throws Exception {
        Path routes = Files.createDirectories(home.resolve("routes"));
        // a sink the user got wrong: its SQL error must be audited as such
        Files.writeString(routes.resolve("broken.camel.yaml"), """
                - route:
                    id: telemetry-sink
                    from:
                      uri: direct:telemetry-accepted
                      steps:
                        - to:
                            uri: "sql:insert into no_such_table (x) values (:#${body})"
                - route:
                    id: events-sink
                    from:
                      uri: direct:events-accepted
                      steps:
                        - log:
                            message: "event"
                """);
        List<AuditRecord> rows = new ArrayList<>();
        String password = TestSecrets.password();
        try (TestPlatform p = TestPlatform.start(home, Map.of("camel.main.routesIncludePattern", "file:" + routes + "/*.camel.yaml"))) {
            DeviceFiles dev = p.createDevice("icu-1");
            p.createUser("alice", Role.ADMIN, password);
            AdminApiClient api = AdminApiClient.of(p);
            api.login("alice", "wrong-" + password);
            String token = api.token("alice", password);
            api.get("/api/v1/devices", token);
            api.post("/api/v1/logout", token, null);

            MqttClient c = Mqtt.connect5(p.mqttPort(), dev.id(), TestCerts.sslContext(dev));
            Mqtt.publish(c, "devices/icu-1/telemetry", Messages.sign(dev, Messages.payload(dev.id(), Messages.marker())));
            Mqtt.publish(c, "devices/icu-1/telemetry", "{\"unsigned\":true}");
            try {
                Mqtt.publish(c, "devices/other/telemetry", Messages.sign(dev, Messages.payload(dev.id(), Messages.marker())));
            } catch (org.eclipse.paho.mqttv5.common.MqttException refused) {
                // the ACL's PUBACK 0x87
            }
            Mqtt.closeQuietly(c);
            try {
                Mqtt.connect5(p.mqttPort(), "icu-2", TestCerts.sslContext(dev));
            } catch (org.eclipse.paho.mqttv5.common.MqttException refused) {
                // client ID differs from the certificate
            }
            try {
                Mqtt.connect5(p.mqttPort(), "icu-1", TestCerts.sslContext(null, null, dev.ca()));
            } catch (org.eclipse.paho.mqttv5.common.MqttException refused) {
                // no certificate
            }

            expect(p, rows, "platform start", row("platform", "start", "success"));
            expect(p, rows, "device created", row("device", "create", "success"));
            expect(p, rows, "account created", r -> r.category().equals("user") && r.outcome().equals("success") && "user:alice".equals(r.target()));
            expect(p, rows, "failed login", r -> r.category().equals("user") && r.outcome().equals("denied"));
            expect(p, rows, "login", r -> r.category().equals("user") && r.action().contains("login") && r.outcome().equals("success"));
            expect(p, rows, "api call", r -> r.category().equals("api") && r.outcome().equals("success") && "alice".equals(r.actor()));
            expect(p, rows, "logout", r -> r.category().equals("user") && r.action().contains("logout"));
            expect(p, rows, "device connect", row("connection", "connect", "success").and(r -> r.actor().equals("icu-1")));
            expect(p, rows, "device disconnect", row("connection", "disconnect", "success").and(r -> r.actor().equals("icu-1")));
            expect(p, rows, "refused connect", row("connection", "connect", "denied").and(TestPlatform.reason("client_id_mismatch")));
            expect(p, rows, "refused handshake", row("connection", "tls-handshake", "denied").and(TestPlatform.reason("no_client_certificate")));
            expect(p, rows, "ACL denial", r -> r.category().equals("acl") && r.outcome().equals("denied") && r.target().contains("other"));
            expect(p, rows, "accepted message", row("message", "telemetry", "success"));
            expect(p, rows, "integrity reject", row("integrity", "telemetry", "denied").and(TestPlatform.reason("not_jws")));
            expect(p, rows, "SQL error", row("error", "sql-error", "failure"));
        }
        try (PlatformServices s = PlatformServices.open(Settings.load(new Home(home), TestDatabase.settings(home), Map.of()), false)) {
            rows.add(s.auditQuery().newest(500, AuditQuery.Filter.ANY).stream()
                    .filter(row("platform", "stop", "success")).findFirst().orElseThrow(() -> new AssertionError("no platform stop row")));
        }

        for (AuditRecord r : rows) {
            assertThat(r.actor()).as("actor of " + r.action()).isNotBlank();
            assertThat(r.ts()).as("time of " + r.action()).isNotNull();
            assertThat(r.action()).isNotBlank();
            assertThat(r.outcome()).isIn("success", "denied", "failure");
            assertThat(r.hash()).hasSize(64);
        }
        assertThat(rows).allMatch(r -> r.target() != null && !r.target().isBlank(), "every row names its target");
        AuditRecord start = rows.get(0);
        assertThat(start.details()).contains("listeners").contains("mqtt+tls").contains("tlsProtocols").contains("TLSv1.3");

        // no secret in any row: the database password, key store passwords, the user's password. The database
        // password is the generated one of the home's H2 file, or on PostgreSQL the configured deviceguard.db.password
        String dbPassword;
        if (TestDatabase.postgresql()) {
            assertThat(home.resolve("data/h2.credentials")).as("no H2 database on PostgreSQL").doesNotExist();
            dbPassword = TestDatabase.settings(home).get("deviceguard.db.password");
        } else {
            Properties creds = new Properties();
            try (var in = Files.newInputStream(home.resolve("data/h2.credentials"))) {
                creds.load(in);
            }
            dbPassword = creds.getProperty("password");
        }
        Properties stores = new Properties();
        try (var in = Files.newInputStream(home.resolve("certs/passwords.properties"))) {
            stores.load(in);
        }
        List<String> secrets = new ArrayList<>();
        secrets.add(dbPassword);
        stores.values().forEach(v -> secrets.add(v.toString()));
        secrets.add(password);
        try (PlatformServices s = PlatformServices.open(Settings.load(new Home(home), TestDatabase.settings(home), Map.of()), false)) {
            for (AuditRecord r : new AuditTrail(s.database().dataSource()).all()) {
                String text = String.join("|", String.valueOf(r.actor()), String.valueOf(r.target()), String.valueOf(r.details()));
                for (String secret : secrets) {
                    assertThat(text).as("row " + r.seq()).doesNotContain(secret);
                }
            }
        }
    }

    private static void expect(TestPlatform p, List<AuditRecord> rows, String what, Predicate<AuditRecord> match) {
        rows.add(p.awaitAudit(what, match));
    }
}
