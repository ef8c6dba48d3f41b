package io.deviceguard.integrity;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What must survive a restart (the replay window), and what a flood of bad messages costs the sender. */
class IntegrityRestartIT {

    @TempDir
    Path home;

    @Test
    void aMessageCapturedBeforeARestartIsStillAReplayAfterIt() throws Exception {
        String captured;
        String marker = Messages.marker();
        DeviceFiles dev;
        try (TestPlatform first = TestPlatform.start(home)) {
            dev = first.createDevice("pump-1");
            captured = Messages.sign(dev, Messages.payload(dev.id(), marker));
            MqttClient c = Mqtt.connect5(first.mqttPort(), dev.id(), TestCerts.sslContext(dev));
            Mqtt.publish(c, "devices/pump-1/telemetry", captured);
            Mqtt.closeQuietly(c);
            await().atMost(Duration.ofSeconds(10)).until(() -> first.count("select count(*) from telemetry where payload like ?", "%" + marker + "%") == 1);
        }
        try (TestPlatform second = TestPlatform.start(home)) {
            MqttClient c = Mqtt.connect5(second.mqttPort(), dev.id(), TestCerts.sslContext(dev));
            Mqtt.publish(c, "devices/pump-1/telemetry", captured);
            Mqtt.closeQuietly(c);
            second.awaitAudit("replay after restart", row("integrity", "telemetry", "denied").and(TestPlatform.reason("replay")));
            assertThat(second.count("select count(*) from telemetry where payload like ?", "%" + marker + "%")).isEqualTo(1);
            assertThat(second.count("select count(*) from quarantine where reason = ?", "replay")).isEqualTo(1);
        }
    }

    @Test
    void aDeviceSendingTooManyBadMessagesIsDisconnectedAndFlagged() throws Exception {
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.integrity.anomalyThreshold", "5",
                "deviceguard.integrity.anomalyWindowSeconds", "60"))) {
            DeviceFiles flooder = p.createDevice("noisy-1");
            DeviceFiles neighbour = p.createDevice("quiet-1");
            MqttClient c = Mqtt.connect5(p.mqttPort(), flooder.id(), TestCerts.sslContext(flooder));
            MqttClient q = Mqtt.connect5(p.mqttPort(), neighbour.id(), TestCerts.sslContext(neighbour));
            try {
                for (int i = 0; i < 6; i++) {
                    try {
                        Mqtt.publish(c, "devices/noisy-1/telemetry", "{\"not\":\"signed\"}");
                    } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                        break; // already disconnected
                    }
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !c.isConnected());
                AuditRecord flagged = p.awaitAudit("anomaly", row("anomaly", "integrity-flood", "denied"));
                assertThat(flagged.actor()).isEqualTo("noisy-1");
                assertThat(flagged.details()).contains("\"connectionsClosed\":1");
                String marker = Messages.marker();
                Mqtt.publish(q, "devices/quiet-1/telemetry", Messages.sign(neighbour, Messages.payload(neighbour.id(), marker)));
                await().atMost(Duration.ofSeconds(10)).until(() -> p.count("select count(*) from telemetry where payload like ?", "%" + marker + "%") == 1);
                assertThat(q.isConnected()).as("the neighbour keeps its connection").isTrue();
            } finally {
                Mqtt.closeQuietly(c);
                Mqtt.closeQuietly(q);
            }
        }
    }

}
