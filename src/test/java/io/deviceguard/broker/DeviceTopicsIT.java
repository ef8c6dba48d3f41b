package io.deviceguard.broker;

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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topic ACL against the real broker, for a device whose ID contains a '.', the core address delimiter: Artemis
 * escapes it ({@code devices/dev-1.a/telemetry} is the core address {@code devices.dev-1\.a.telemetry}), so the ACL
 * must allow exactly the device's own topics in that form, and not {@code devices/dev-1/a/telemetry}, whose core
 * address is the unescaped {@code devices.dev-1.a.telemetry}. Every refusal has its audit row, however long the
 * topic the client chose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class DeviceTopicsIT {

    private static final String ID = "dev-1.a";

    @TempDir
    static Path home;

    private TestPlatform platform;
    private DeviceFiles device;

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(home);
        device = platform.createDevice(ID);
    }

    @AfterAll
    void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void deviceWithDotInItsIdPublishesToItsOwnTelemetry() throws Exception {
        String marker = Messages.marker();
        String payload = Messages.sign(device, Messages.payload(ID, marker));
        MqttClient c = Mqtt.connect5(platform.mqttPort(), ID, TestCerts.sslContext(device));
        try {
            Mqtt.publish(c, "devices/" + ID + "/telemetry", payload);
        } finally {
            Mqtt.closeQuietly(c);
        }

        platform.awaitAudit("accepted telemetry of " + ID, row("message", "telemetry", "success")
                .and(r -> r.actor().equals(ID) && ("devices/" + ID + "/telemetry").equals(r.target())));
        await("telemetry row").atMost(Duration.ofSeconds(10)).until(() -> telemetryPayloads(ID).stream().anyMatch(p -> p.contains(marker)));
    }

    @Test
    void deviceWithDotInItsIdCannotPublishToTheTopicItsIdWouldSplitInto() throws Exception {
        String splitTopic = "devices/dev-1/a/telemetry";
        MqttAsyncClient c = Mqtt.connect5Async(platform.mqttPort(), ID, TestCerts.sslContext(device));
        try {
            assertThat(Mqtt.publishAcked(c, splitTopic, "{\"split\":true}"))
                    .as("MQTT 5 PUBACK reason code 0x87: not authorized").containsExactly(0x87);
        } finally {
            Mqtt.closeQuietly(c);
        }

        // Artemis asks CREATE_ADDRESS first for an address that does not exist yet: that is the refused check
        platform.awaitAudit("refused publish to " + splitTopic, r -> r.category().equals("acl")
                && r.outcome().equals("denied") && r.actor().equals(ID) && splitTopic.equals(r.target()));
        assertThat(platform.audit(200)).noneMatch(r -> r.category().equals("message") && splitTopic.equals(r.target()));
        assertThat(telemetryPayloads(ID)).doesNotContain("{\"split\":true}");
    }

    @Test
    void deviceWithDotInItsIdSubscribesToItsOwnCommandsAndNoOtherTopic() throws Exception {
        List<String> inbox = Mqtt.inbox();
        MqttClient c = Mqtt.connect5(platform.mqttPort(), ID, TestCerts.sslContext(device));
        MqttClient service = null;
        try {
            assertThat(Mqtt.subscribe(c, "devices/dev-1/a/commands", Mqtt.inbox()))
                    .as("[MQTT-3.9.3] SUBACK reason code: not authorized").containsExactly(0x87);
            assertThat(Mqtt.subscribe(c, "devices/" + ID + "/commands", inbox)).containsExactly(1);

            service = Mqtt.connect5(platform.mqttPort(), "_deviceguard-test-" + UUID.randomUUID(),
                    platform.platform().services().pki().serviceClientContext());
            String command = "{\"command\":\"" + UUID.randomUUID() + "\"}";
            Mqtt.publish(service, "devices/" + ID + "/commands", command);

            await("command delivered").atMost(Duration.ofSeconds(10))
                    .until(() -> inbox.contains("devices/" + ID + "/commands " + command));
        } finally {
            Mqtt.closeQuietly(service);
            Mqtt.closeQuietly(c);
        }
        platform.awaitAudit("refused subscription", r -> r.category().equals("acl") && r.outcome().equals("denied")
                && r.actor().equals(ID) && "devices/dev-1/a/commands".equals(r.target()));
    }

    @Test
    void refusalOfAHugeTopicIsAuditedAndTheTrailGoesOn() throws Exception {
        // a topic name is the client's choice, up to 65535 bytes: its audit row must still fit the target column
        String huge = "devices/" + "x".repeat(3000) + "/telemetry";
        String after = Messages.marker();
        String payload = Messages.sign(device, Messages.payload(ID, after));
        MqttAsyncClient c = Mqtt.connect5Async(platform.mqttPort(), ID, TestCerts.sslContext(device));
        try {
            assertThat(Mqtt.publishAcked(c, huge, "{}")).containsExactly(0x87);
            assertThat(Mqtt.publishAcked(c, "devices/" + ID + "/telemetry", payload)).containsExactly(0);
        } finally {
            Mqtt.closeQuietly(c);
        }

        AuditRecord refused = platform.awaitAudit("refusal of the huge topic", r -> r.category().equals("acl")
                && r.outcome().equals("denied") && r.target() != null && r.target().startsWith("devices/xxx"));
        assertThat(refused.target()).hasSizeLessThanOrEqualTo(512).endsWith("...");
        platform.awaitAudit("the next message is still audited", row("message", "telemetry", "success")
                .and(r -> r.seq() > refused.seq() && r.actor().equals(ID)));
        await("and stored").atMost(Duration.ofSeconds(10)).until(() -> telemetryPayloads(ID).stream().anyMatch(p -> p.contains(after)));
    }

    private List<String> telemetryPayloads(String id) throws Exception {
        try (Connection c = platform.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select payload from telemetry where device_id = ?")) {
            ps.setString(1, id);
            List<String> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
