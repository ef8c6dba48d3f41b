package io.deviceguard.broker;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's front door, through a real platform: real TLS, real certificates, real paho clients. Every refusal
 * must leave an audit row that says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceConnectIT {

    @TempDir
    static Path home;
    TestPlatform platform;
    DeviceFiles devA;
    DeviceFiles devB;

    @BeforeAll
    void start() {
        platform = TestPlatform.start(home);
        devA = platform.createDevice("dev-a");
        devB = platform.createDevice("dev-b.2");
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @Test
    void registeredDeviceOnMqtt5PublishesTelemetryThatIsAuditedAndHandled() throws Exception {
        MqttClient c = Mqtt.connect5(platform.mqttPort(), devA.id(), TestCerts.sslContext(devA));
        try {
            Mqtt.publish(c, "devices/dev-a/telemetry", devA.signed("telemetry", java.util.Map.of("temp", 21.5)));
        } finally {
            Mqtt.closeQuietly(c);
        }
        platform.awaitAudit("connect of dev-a", row("connection", "connect", "success").and(r -> r.actor().equals("dev-a")));
        AuditRecord accepted = platform.awaitAudit("telemetry of dev-a",
                row("message", "telemetry", "success").and(r -> r.actor().equals("dev-a")));
        assertThat(accepted.target()).isEqualTo("devices/dev-a/telemetry");
        await().atMost(Duration.ofSeconds(10)).until(() -> payloads("dev-a", "telemetry").stream()
                .anyMatch(p -> p.contains("\"temp\":21.5") && p.contains("\"deviceId\":\"dev-a\"")));
    }

    @Test
    void registeredDeviceOnMqtt311PublishesEvents() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
                "ssl://127.0.0.1:" + platform.mqttPort(), devB.id(), new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setSocketFactory(TestCerts.sslContext(devB).getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        c.connect(o);
        try {
            c.publish("devices/dev-b.2/events", devB.signed("event", java.util.Map.of("code", "door-open", "severity", "alarm"))
                    .getBytes(StandardCharsets.UTF_8), 1, false);
        } finally {
            c.disconnect();
            c.close();
        }
        platform.awaitAudit("events of dev-b.2", row("message", "events", "success").and(r -> r.actor().equals("dev-b.2")));
        await().atMost(Duration.ofSeconds(10)).until(() -> payloads("dev-b.2", "events").stream()
                .anyMatch(p -> p.contains("\"code\":\"door-open\"")));
        platform.awaitAudit("disconnect of dev-b.2", row("connection", "disconnect", "success").and(r -> r.actor().equals("dev-b.2")));
    }

    @Test
    void clientWithoutCertificateIsRefusedAtTheHandshake() {
        SSLContext noCert = TestCerts.sslContext(null, null, devA.ca());
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-a", noCert)).isInstanceOf(MqttException.class);
        platform.awaitAudit("no certificate", row("connection", "tls-handshake", "denied").and(reason("no_client_certificate")));
    }

    @Test
    void certificateFromForeignCaIsRefused() {
        TestCerts.Credentials foreign = TestCerts.foreign(home, "dev-a", devA.ca());
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-a", TestCerts.sslContext(foreign)))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("foreign CA", row("connection", "tls-handshake", "denied").and(reason("untrusted_issuer")));
    }

    @Test
    void expiredCertificateIsRefused() {
        TestCerts.Credentials expired = TestCerts.fromDeviceCa(platform.platform().services().pki(), home, "dev-a",
                Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1));
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-a", TestCerts.sslContext(expired)))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("expired", row("connection", "tls-handshake", "denied").and(reason("certificate_expired")));
    }

    @Test
    void notYetValidCertificateIsRefused() {
        TestCerts.Credentials future = TestCerts.fromDeviceCa(platform.platform().services().pki(), home, "dev-a",
                Instant.now().plus(Duration.ofDays(1)), Duration.ofDays(30));
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-a", TestCerts.sslContext(future)))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("not yet valid", row("connection", "tls-handshake", "denied").and(reason("certificate_not_yet_valid")));
    }

    @Test
    void unregisteredDeviceIsRefusedAtConnect() {
        TestCerts.Credentials ghost = TestCerts.fromDeviceCa(platform.platform().services().pki(), home, "ghost-1",
                Instant.now().minusSeconds(60), Duration.ofDays(30));
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "ghost-1", TestCerts.sslContext(ghost)))
                .isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isGreaterThanOrEqualTo(0x80));
        AuditRecord r = platform.awaitAudit("unregistered", row("connection", "connect", "denied").and(reason("unregistered_device")));
        assertThat(r.actor()).isEqualTo("ghost-1");
    }

    @Test
    void certificateOfAnotherDeviceIdIsNotRegisteredCertificate() {
        // a valid device-CA certificate for a registered ID, but not the one the registry binds to that ID
        TestCerts.Credentials clone = TestCerts.fromDeviceCa(platform.platform().services().pki(), home, "dev-a",
                Instant.now().minusSeconds(60), Duration.ofDays(30));
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-a", TestCerts.sslContext(clone)))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("cloned certificate", row("connection", "connect", "denied").and(reason("certificate_not_registered")));
    }

    @Test
    void clientIdDifferentFromCommonNameIsRefused() {
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "dev-b.2", TestCerts.sslContext(devA)))
                .isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(0x85));
        AuditRecord r = platform.awaitAudit("client id mismatch", row("connection", "connect", "denied").and(reason("client_id_mismatch")));
        assertThat(r.actor()).isEqualTo("dev-a");
        assertThat(r.target()).isEqualTo("dev-b.2");
    }

    @Test
    void plainTcpIsRefusedAndClosed() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), platform.mqttPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            // an MQTT 3.1.1 CONNECT in the clear
            out.write(new byte[] {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x06,
                'd', 'e', 'v', '-', 'a', 'x'});
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            int n;
            int total = 0;
            while ((n = in.read(buf)) > 0) {
                total += n;
                assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).doesNotContain("MQTT");
                assertThat(total).as("bytes before the server closes").isLessThan(4096);
            }
            assertThat(n).as("server closed the connection").isEqualTo(-1);
        }
        platform.awaitAudit("plain TCP", row("connection", "tls-handshake", "denied").and(reason("not_tls")));
    }

    @Test
    void publishingToAnotherDevicesTopicIsRefusedAndNotHandled() throws Exception {
        MqttClient c = Mqtt.connect5(platform.mqttPort(), devA.id(), TestCerts.sslContext(devA));
        try {
            Mqtt.publish(c, "devices/dev-b.2/telemetry", devA.signed("telemetry", java.util.Map.of("spoof", 1)));
        } catch (MqttException e) {
            // paho reports the refusing PUBACK (0x87) or the closed connection
            assertThat(e.getReasonCode()).isGreaterThanOrEqualTo(0x80);
        } finally {
            Mqtt.closeQuietly(c);
        }
        platform.awaitAudit("acl denial", row("acl", "create_address", "denied")
                .or(row("acl", "publish", "denied")).and(r -> "devices/dev-b.2/telemetry".equals(r.target())));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> payloads("dev-b.2", "telemetry").stream().noneMatch(p -> p.contains("spoof")));
    }

    @Test
    void wildcardAndSystemSubscriptionsAreRefusedAndReceiveNothing() throws Exception {
        MqttClient c = Mqtt.connect5(platform.mqttPort(), devA.id(), TestCerts.sslContext(devA));
        List<String> inbox = Mqtt.inbox();
        try {
            for (String filter : List.of("#", "devices/+/commands", "$sys/#", "devices/dev-b.2/commands")) {
                int[] codes = Mqtt.subscribe(c, filter, inbox);
                assertThat(java.util.Arrays.stream(codes).allMatch(code -> code >= 0x80)).as("SUBACK for " + filter + ": " + java.util.Arrays.toString(codes)).isTrue();
            }
            assertThat(Mqtt.subscribe(c, "devices/dev-a/commands", inbox)).as("own commands topic").containsOnly(1);
            MqttClient b = Mqtt.connect5(platform.mqttPort(), devB.id(), TestCerts.sslContext(devB));
            try {
                Mqtt.publish(b, "devices/dev-b.2/telemetry", devB.signed("telemetry", java.util.Map.of("t", 1)));
            } finally {
                Mqtt.closeQuietly(b);
            }
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(inbox::isEmpty);
        } finally {
            Mqtt.closeQuietly(c);
        }
        List<String> deniedTargets = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            deniedTargets.clear();
            platform.audit(500).stream().filter(row("acl", "subscribe", "denied").or(row("acl", "create_address", "denied")))
                    .forEach(r -> deniedTargets.add(r.target()));
            return deniedTargets.containsAll(List.of("#", "devices/+/commands", "$sys/#"));
        });
    }

    private List<String> payloads(String device, String kind) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = platform.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select payload from telemetry where device_id = ? and kind = ?")) {
            ps.setString(1, device);
            ps.setString(2, kind);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
