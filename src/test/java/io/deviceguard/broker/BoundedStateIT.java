package io.deviceguard.broker;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HardeningReport;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.RawMqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTStateManager;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the broker keeps for devices is bounded: abandoned sessions expire (MQTT 5: as asked, capped at the maximum,
 * "never" included; MQTT 3.1.1: the maximum), commands queued for an offline device are capped with an audit row
 * per dropped message, and connections are limited per device and in total, with a CONNACK that says why.
 */
@Timeout(240)
class BoundedStateIT {

    static final int MAX_EXPIRY = 3;
    static final int QUEUE_CAP = 5;

    @TempDir
    Path home;

    @Test
    void abandonedSessionsExpire() throws Exception {
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.mqtt.sessionExpirySeconds", Integer.toString(MAX_EXPIRY)))) {
            MQTTStateManager sessions = MQTTStateManager.getInstance(p.platform().broker().server());
            DeviceFiles asks = p.createDevice("asks-2s");
            DeviceFiles never = p.createDevice("asks-never");
            DeviceFiles old = p.createDevice("mqtt311");

            // MQTT 5: a session asking for 2 s is there after the disconnect, and gone 2 s (+ the 5 s scan) later
            MqttAsyncClient c = persistent(p, asks, 2);
            c.disconnect().waitForCompletion(5_000);
            assertThat(sessions.getSessionStates()).containsKey(asks.id());
            long t0 = System.nanoTime();
            await("the 2 s session expires").atMost(Duration.ofSeconds(20)).until(() -> !sessions.getSessionStates().containsKey(asks.id()));
            double askedGone = (System.nanoTime() - t0) / 1e9;
            c.close();

            // MQTT 5 asking for "never" (0xFFFFFFFF) gets the maximum, and the CONNACK says so [MQTT-3.2.2-21]
            MqttAsyncClient n = new MqttAsyncClient(url(p), never.id(), new MemoryPersistence());
            IMqttToken connected = n.connect(options(never, 0xFFFFFFFFL));
            connected.waitForCompletion(15_000);
            Long granted = connected.getResponseProperties().getSessionExpiryInterval();
            n.subscribe("devices/" + never.id() + "/commands", 1).waitForCompletion(5_000);
            n.disconnect().waitForCompletion(5_000);
            t0 = System.nanoTime();
            await("the 'never' session expires at the maximum").atMost(Duration.ofSeconds(20))
                    .until(() -> !sessions.getSessionStates().containsKey(never.id()));
            double neverGone = (System.nanoTime() - t0) / 1e9;
            n.close();
            MqttAsyncClient back = new MqttAsyncClient(url(p), never.id(), new MemoryPersistence());
            IMqttToken again = back.connect(options(never, 60));
            again.waitForCompletion(15_000);
            assertThat(again.getSessionPresent()).as("no session left to resume").isFalse();
            Mqtt.closeQuietly(back);

            // MQTT 3.1.1 (clean session 0): the maximum
            org.eclipse.paho.client.mqttv3.MqttClient v3 = new org.eclipse.paho.client.mqttv3.MqttClient(url(p), old.id(),
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            v3.connect(options311(old));
            v3.subscribe("devices/" + old.id() + "/commands", 1);
            v3.disconnect();
            t0 = System.nanoTime();
            await("the 3.1.1 session expires at the maximum").atMost(Duration.ofSeconds(20))
                    .until(() -> !sessions.getSessionStates().containsKey(old.id()));
            double oldGone = (System.nanoTime() - t0) / 1e9;
            org.eclipse.paho.client.mqttv3.IMqttToken t = v3.connectWithResult(options311(old));
            assertThat(t.getSessionPresent()).as("3.1.1: no session to resume").isFalse();
            v3.disconnect();
            v3.close();

            HardeningReport.line("BoundedStateIT", String.format("sessions gone after the disconnect: MQTT 5 asking 2 s: %.1f s;"
                    + " MQTT 5 asking never: granted %s s, gone after %.1f s; MQTT 3.1.1: %.1f s (maximum %d s, scan every 5 s)",
                    askedGone, granted, neverGone, oldGone, MAX_EXPIRY));
            assertThat(granted).isEqualTo(MAX_EXPIRY);
            assertThat(askedGone).isLessThan(2 + 5 + 3);
            assertThat(neverGone).isLessThan(MAX_EXPIRY + 5 + 3);
            assertThat(oldGone).isLessThan(MAX_EXPIRY + 5 + 3);
        }
    }

    @Test
    void commandsQueuedForAnOfflineDeviceAreCappedAndEachDropIsAudited() throws Exception {
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.limits.queuedCommandsPerDevice", Integer.toString(QUEUE_CAP)))) {
            DeviceFiles plain = p.createDevice("offline-1");
            DeviceFiles dotted = p.createDevice("off.line-2");
            for (DeviceFiles d : List.of(plain, dotted)) {
                MqttAsyncClient c = persistent(p, d, 3600);
                c.disconnect().waitForCompletion(5_000);
                c.close();
            }
            MqttAsyncClient service = service(p);
            for (int i = 0; i < QUEUE_CAP + 3; i++) {
                publish(service, "devices/" + plain.id() + "/commands", "cmd-" + i);
                publish(service, "devices/" + dotted.id() + "/commands", "cmd-" + i);
            }
            Mqtt.closeQuietly(service);

            for (DeviceFiles d : List.of(plain, dotted)) {
                List<AuditRecord> drops = new ArrayList<>();
                await("three drops audited for " + d.id()).atMost(Duration.ofSeconds(10)).until(() -> {
                    drops.clear();
                    p.audit(500).stream().filter(row("message", "command-dropped", "failure"))
                            .filter(r -> r.details().contains("\"device\":\"" + d.id() + "\"")).forEach(drops::add);
                    return drops.size() >= 3;
                });
                assertThat(drops).hasSize(3).allMatch(r -> r.details().contains("\"limit\":" + QUEUE_CAP));
                Set<String> received = ConcurrentHashMap.newKeySet();
                MqttAsyncClient back = new MqttAsyncClient(url(p), d.id(), new MemoryPersistence());
                back.setCallback(new Received(received));
                back.connect(options(d, 3600)).waitForCompletion(15_000);
                await("the queued commands arrive for " + d.id()).atMost(Duration.ofSeconds(10)).until(() -> received.size() >= QUEUE_CAP);
                assertThat(received).as("the first %d, in the queue when the rest came", QUEUE_CAP)
                        .containsExactlyInAnyOrder("cmd-0", "cmd-1", "cmd-2", "cmd-3", "cmd-4");
                Mqtt.closeQuietly(back);
            }
            HardeningReport.line("BoundedStateIT", "commands for an offline device capped at " + QUEUE_CAP
                    + ": 8 sent, 5 delivered, 3 drops audited, for device IDs with and without a '.'");
        }
    }

    @Test
    void connectionsAreLimitedPerDeviceAndInTotalWithClearRefusals() throws Exception {
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.limits.connections", "3",
                "deviceguard.limits.connectionsPerDevice", "2"))) {
            DeviceFiles busy = p.createDevice("busy-1");
            SSLContext tls = TestCerts.sslContext(busy);
            // two TLS connections with busy-1's certificate (connected or not), then a third CONNECT
            SSLSocket a = RawMqtt.tls(p.mqttPort(), tls);
            SSLSocket b = RawMqtt.tls(p.mqttPort(), tls);
            // the client's side of a TLS 1.3 handshake ends before the broker has read its Finished: the two are counted
            // once the broker's side ends, which on a loaded machine may come after the third CONNECT below is read
            await("the broker counts busy-1's two TLS connections").atMost(Duration.ofSeconds(10))
                    .until(() -> p.platform().broker().tlsConnectionsOf(busy.id()) == 2);
            byte[] third = connack(p, tls, RawMqtt.connect(5, busy.id()));
            assertThat(third[3] & 0xFF).as("MQTT 5 reason 0x97 quota exceeded").isEqualTo(0x97);
            byte[] third311 = connack(p, tls, RawMqtt.connect(4, busy.id()));
            assertThat(third311[3] & 0xFF).as("MQTT 3.1.1: 0x03 server unavailable").isEqualTo(0x03);
            p.awaitAudit("per-device refusal", row("connection", "connect", "denied").and(reason("too_many_device_connections")));
            RawMqtt.closeQuietly(a);
            RawMqtt.closeQuietly(b);
            await("busy-1 may connect again once its connections are gone").atMost(Duration.ofSeconds(10))
                    .until(() -> connack(p, tls, RawMqtt.connect(5, busy.id()))[3] == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> p.platform().broker().deviceConnections() == 0);

            // three devices connected (the platform's own routes do not count), a fourth is refused
            List<MqttAsyncClient> in = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                DeviceFiles d = p.createDevice("member-" + i);
                in.add(Mqtt.connect5Async(p.mqttPort(), d.id(), TestCerts.sslContext(d)));
            }
            DeviceFiles late = p.createDevice("late-1");
            SSLContext lateTls = TestCerts.sslContext(late);
            byte[] full = connack(p, lateTls, RawMqtt.connect(5, late.id()));
            assertThat(full[3] & 0xFF).as("MQTT 5 reason 0x89 server busy").isEqualTo(0x89);
            assertThat(new String(full, StandardCharsets.UTF_8)).as("with a reason string").contains("maximum of connections");
            p.awaitAudit("total refusal", row("connection", "connect", "denied").and(reason("too_many_connections")));
            Mqtt.closeQuietly(in.remove(0));
            await("a place is free again").atMost(Duration.ofSeconds(10))
                    .until(() -> connack(p, lateTls, RawMqtt.connect(5, late.id()))[3] == 0);
            in.forEach(Mqtt::closeQuietly);
            HardeningReport.line("BoundedStateIT", "connection limits: 3rd connection of one device refused with 0x97"
                    + " (3.1.1: 0x03), 4th device with 0x89 (limit 3), each audited; accepted again once below the limit");
        }
    }

    // ---- helpers ----

    /** Connects, sends {@code connect}, returns the CONNACK packet (or {0,0,0,-1} if none), closes. */
    private static byte[] connack(TestPlatform p, SSLContext tls, byte[] connect) throws Exception {
        SSLSocket s = RawMqtt.tls(p.mqttPort(), tls);
        try {
            s.getOutputStream().write(connect);
            byte[] packet = RawMqtt.readPacket(s, 10_000);
            return packet == null || packet.length < 4 ? new byte[] {0, 0, 0, -1} : packet;
        } finally {
            RawMqtt.closeQuietly(s);
        }
    }

    private static String url(TestPlatform p) {
        return "ssl://127.0.0.1:" + p.mqttPort();
    }

    private static MqttConnectionOptions options(DeviceFiles d, long expiry) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(TestCerts.sslContext(d).getSocketFactory());
        o.setCleanStart(false);
        o.setSessionExpiryInterval(expiry);
        o.setAutomaticReconnect(false);
        return o;
    }

    private static MqttConnectOptions options311(DeviceFiles d) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(TestCerts.sslContext(d).getSocketFactory());
        o.setCleanSession(false);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        return o;
    }

    /** A persistent MQTT 5 session subscribed to the device's commands. */
    private static MqttAsyncClient persistent(TestPlatform p, DeviceFiles d, long expiry) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(url(p), d.id(), new MemoryPersistence());
        c.connect(options(d, expiry)).waitForCompletion(15_000);
        c.subscribe("devices/" + d.id() + "/commands", 1).waitForCompletion(5_000);
        return c;
    }

    /** The platform's service identity, as the command side of the platform connects. */
    static MqttAsyncClient service(TestPlatform p) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(url(p), ConnectPolicy.SERVICE_CLIENT_PREFIX + "test-" + System.nanoTime(),
                new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(p.platform().services().pki().serviceClientContext().getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(false);
        o.setCleanStart(true);
        c.connect(o).waitForCompletion(15_000);
        return c;
    }

    static void publish(MqttAsyncClient c, String topic, String text) throws Exception {
        MqttMessage m = new MqttMessage(text.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        c.publish(topic, m).waitForCompletion(10_000);
    }

    /** Collects the payloads of what arrives. */
    record Received(Set<String> into) implements org.eclipse.paho.mqttv5.client.MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            into.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {
        }
    }
}
