package io.deviceguard.audit;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database goes away under load (a real PostgreSQL, stopped and started again): devices keep publishing to the
 * broker, audit rows wait in the local journal, and when the database returns every message is handled, every
 * audit row is in the chain, and the chain verifies.
 */
class AuditOutageIT {

    @TempDir
    Path home;
    @TempDir
    Path pgData;

    @Test
    void aDatabaseOutageUnderLoadLosesNothing() throws Exception {
        int pgPort = Ports.free();
        EmbeddedPostgres pg = startPostgres(pgPort, true);
        String url = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
        TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.db.url", url, "deviceguard.db.user", "postgres",
                "deviceguard.db.password", ""));
        List<MqttClient> clients = new ArrayList<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        List<String> sent = new CopyOnWriteArrayList<>();
        AtomicLong acked = new AtomicLong();
        Thread load = null;
        try {
            List<DeviceFiles> fleet = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                DeviceFiles d = p.createDevice("ward-" + i);
                fleet.add(d);
                clients.add(Mqtt.connect5(p.mqttPort(), d.id(), TestCerts.sslContext(d)));
            }
            load = new Thread(() -> {
                int n = 0;
                while (publishing.get()) {
                    int i = n++ % fleet.size();
                    String marker = Messages.marker();
                    try {
                        Mqtt.publish(clients.get(i), "devices/" + fleet.get(i).id() + "/telemetry",
                                Messages.sign(fleet.get(i), Messages.payload(fleet.get(i).id(), marker)));
                        sent.add(marker);
                        acked.incrementAndGet();
                        Thread.sleep(25);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "load");
            load.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> handled(p) >= 20);

            pg.close();                                   // the database goes away
            long ackedAtOutage = acked.get();
            await("devices keep publishing to the broker").atMost(Duration.ofSeconds(20)).until(() -> acked.get() >= ackedAtOutage + 100);
            assertThat(clients).allMatch(MqttClient::isConnected);
            MqttClient again = Mqtt.connect5(p.mqttPort(), "ward-0", TestCerts.sslContext(fleet.get(0)));   // a reconnect during the outage
            Mqtt.closeQuietly(again);
            await("audit rows wait in the local journal").atMost(Duration.ofSeconds(20))
                    .until(() -> Files.exists(home.resolve("data/audit/journal.jsonl")));

            pg = startPostgres(pgPort, false);            // and comes back
            publishing.set(false);
            load.join(10_000);
            await("every message the broker acknowledged is handled").atMost(Duration.ofSeconds(90))
                    .until(() -> handled(p) >= sent.size());
            assertThat(handledMarkers(p)).containsAll(sent);
            await("the journal is drained").atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(home.resolve("data/audit/journal.jsonl")));
            // searched in the whole trail: under load the outage row can be older than awaitAudit's newest 500 rows
            await("outage audited").atMost(Duration.ofSeconds(10)).until(() -> p.audit(100_000).stream()
                    .anyMatch(row("error", "database-unavailable", "failure")));
            await("recovery audited").atMost(Duration.ofSeconds(10)).until(() -> p.audit(100_000).stream()
                    .anyMatch(row("error", "database-recovered", "success")));
            assertThat(p.count("select count(*) from audit_events where category = 'message' and actor like 'ward-%'"))
                    .as("one accepted-message row per handled message").isGreaterThanOrEqualTo(sent.size());
            assertThat(p.count("select count(*) from audit_events where category = 'connection' and action = 'connect' and actor = 'ward-0'"))
                    .as("the reconnect during the outage is in the chain").isGreaterThanOrEqualTo(2);
            AuditVerifier.Result r = new AuditTools(p.platform().services().database().dataSource(),
                    p.platform().services().checkpoints(), p.platform().services().pki().auditCertificate().getPublicKey()).verifyDatabase();
            assertThat(r.problem()).as("the chain verifies").isNull();
        } finally {
            publishing.set(false);
            clients.forEach(Mqtt::closeQuietly);
            p.close();
            pg.close();
        }
    }

    private EmbeddedPostgres startPostgres(int port, boolean clean) throws Exception {
        // never clean: the second start must find the first one's data (clean would also delete it on close)
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
    }

    private static long handled(TestPlatform p) {
        try {
            return p.count("select count(*) from telemetry where device_id like 'ward-%'");
        } catch (RuntimeException e) {
            return -1;   // the database is still away
        }
    }

    private static List<String> handledMarkers(TestPlatform p) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = p.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select payload from telemetry where device_id like 'ward-%'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String payload = rs.getString(1);
                int i = payload.indexOf("\"m\":\"");
                out.add(payload.substring(i + 5, payload.indexOf('"', i + 5)));
            }
        }
        return out;
    }

}
