package io.deviceguard.integrity;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import io.deviceguard.device.DeviceStatus;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integrity inspection through real device connections: every rejection reason is quarantined, audited and
 * counted, and never handled; good messages next to bad ones are handled exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntegrityIT {

    static final int LIMIT = 4096;

    @TempDir
    static Path home;
    TestPlatform platform;
    DeviceFiles dev;
    DeviceFiles other;
    DeviceFiles revoked;
    MqttClient client;

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(home, Map.of("deviceguard.integrity.maxMessageBytes", Integer.toString(LIMIT),
                "deviceguard.integrity.anomalyThreshold", "100000"));
        dev = platform.createDevice("meter-1");
        other = platform.createDevice("meter-2");
        revoked = platform.createDevice("meter-gone");
        platform.platform().services().registry().setStatus("meter-gone", DeviceStatus.REVOKED);
        client = Mqtt.connect5(platform.mqttPort(), dev.id(), TestCerts.sslContext(dev));
    }

    @AfterAll
    void stop() {
        Mqtt.closeQuietly(client);
        platform.close();
    }

    // ---- one test per reason ----

    @Test
    void tooLarge() throws Exception {
        String marker = marker();
        String big = dev.signed("telemetry", Map.of("blob", "x".repeat(LIMIT), "m", marker));
        assertRejected(big.getBytes(StandardCharsets.UTF_8), Reason.TOO_LARGE, marker);
    }

    @Test
    void invalidUtf8() throws Exception {
        String marker = marker();
        byte[] raw = ("{\"m\":\"" + marker + "\",\"x\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(raw, raw.length + 3);
        bad[raw.length] = (byte) 0xC3;
        bad[raw.length + 1] = (byte) 0x28;
        bad[raw.length + 2] = '"';
        assertRejected(bad, Reason.INVALID_UTF8, marker);
    }

    @Test
    void unsignedJsonIsNotAJws() throws Exception {
        String marker = marker();
        assertRejected(payload(dev.id(), marker).toString(), Reason.NOT_JWS, marker);
    }

    @Test
    void algNoneIsRefused() throws Exception {
        String marker = marker();
        String header = b64("{\"alg\":\"none\",\"kid\":\"meter-1\"}");
        assertRejected(header + "." + b64(payload(dev.id(), marker).toString()) + ".", Reason.ALG_NOT_ALLOWED, marker);
    }

    @Test
    void hmacSignatureIsRefused() throws Exception {
        String marker = marker();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(dev.id()).build(),
                new Payload(payload(dev.id(), marker).toString()));
        jws.sign(new MACSigner(secret));
        assertRejected(jws.serialize(), Reason.ALG_NOT_ALLOWED, marker);
    }

    @Test
    void kidNamingAnotherDeviceIsRefused() throws Exception {
        String marker = marker();
        String jws = Envelope.sign(dev.identity().key(), other.id(), payload(dev.id(), marker).toString());
        assertRejected(jws, Reason.KEY_ID_MISMATCH, marker);
    }

    @Test
    void signatureWithAnotherDevicesKeyIsRefused() throws Exception {
        String marker = marker();
        String jws = Envelope.sign(other.identity().key(), dev.id(), payload(dev.id(), marker).toString());
        assertRejected(jws, Reason.BAD_SIGNATURE, marker);
    }

    @Test
    void signatureWithARevokedDevicesKeyIsRefused() throws Exception {
        String marker = marker();
        String jws = Envelope.sign(revoked.identity().key(), dev.id(), payload(dev.id(), marker).toString());
        assertRejected(jws, Reason.BAD_SIGNATURE, marker);
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
        String marker = marker();
        String jws = Envelope.sign(dev.identity().key(), dev.id(), payload(dev.id(), marker).toString());
        String[] parts = jws.split("\\.");
        String tampered = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("21.5", "99.9");
        assertRejected(parts[0] + "." + b64(tampered) + "." + parts[2], Reason.BAD_SIGNATURE, marker);
    }

    @Test
    void signedPayloadThatIsNotJson() throws Exception {
        String marker = marker();
        assertRejected(Envelope.sign(dev.identity().key(), dev.id(), "[\"" + marker + "\"]"), Reason.NOT_JSON, marker);
    }

    @Test
    void schemaViolationsAreRefused() throws Exception {
        String m1 = marker();
        ObjectNode missing = payload(dev.id(), m1);
        missing.remove("msgId");
        assertRejected(sign(missing), Reason.SCHEMA_VIOLATION, m1);
        String m2 = marker();
        ObjectNode wrongType = payload(dev.id(), m2);
        wrongType.put("ts", "yesterday");
        assertRejected(sign(wrongType), Reason.SCHEMA_VIOLATION, m2);
        String m3 = marker();
        ObjectNode extra = payload(dev.id(), m3);
        extra.put("admin", true);
        assertRejected(sign(extra), Reason.SCHEMA_VIOLATION, m3);
    }

    @Test
    void payloadNamingAnotherDeviceIsRefused() throws Exception {
        String marker = marker();
        assertRejected(sign(payload(other.id(), marker)), Reason.DEVICE_ID_MISMATCH, marker);
    }

    @Test
    void staleAndFutureTimestampsAreRefused() throws Exception {
        String m1 = marker();
        ObjectNode old = payload(dev.id(), m1);
        old.put("ts", System.currentTimeMillis() - Duration.ofMinutes(10).toMillis());
        assertRejected(sign(old), Reason.STALE_TIMESTAMP, m1);
        String m2 = marker();
        ObjectNode future = payload(dev.id(), m2);
        future.put("ts", System.currentTimeMillis() + Duration.ofMinutes(10).toMillis());
        assertRejected(sign(future), Reason.STALE_TIMESTAMP, m2);
    }

    @Test
    void replayOfACapturedGoodMessageIsRefused() throws Exception {
        String marker = marker();
        String captured = sign(payload(dev.id(), marker));
        publish(captured.getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled(marker) == 1);
        assertRejected(captured, Reason.REPLAY, marker, 1);
    }

    @Test
    void aForgedPublisherStampIsReplacedByTheBroker() throws Exception {
        String marker = marker();
        MqttMessage m = new MqttMessage(sign(payload(dev.id(), marker)).getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        org.eclipse.paho.mqttv5.common.packet.MqttProperties props = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        props.setUserProperties(List.of(new org.eclipse.paho.mqttv5.common.packet.UserProperty("dg-publisher", "meter-2"),
                new org.eclipse.paho.mqttv5.common.packet.UserProperty("note", "kept")));
        m.setProperties(props);
        client.publish("devices/meter-1/telemetry", m);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled(marker) == 1);
    }

    // ---- mixtures ----

    @Test
    void interleavedGoodAndBadMessagesFromSeveralDevices() throws Exception {
        List<DeviceFiles> fleet = List.of(platform.createDevice("mix-1"), platform.createDevice("mix-2"), platform.createDevice("mix-3"));
        List<Thread> threads = new java.util.ArrayList<>();
        List<String> goodMarkers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> badMarkers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (DeviceFiles d : fleet) {
            threads.add(new Thread(() -> {
                MqttClient c = null;
                try {
                    c = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
                    for (int i = 0; i < 20; i++) {
                        String good = marker();
                        String bad = marker();
                        Mqtt.publish(c, "devices/" + d.id() + "/telemetry", sign(d, payload(d.id(), good)));
                        Mqtt.publish(c, "devices/" + d.id() + "/telemetry", Envelope.sign(other.identity().key(), d.id(),
                                payload(d.id(), bad).toString()));
                        goodMarkers.add(good);
                        badMarkers.add(bad);
                    }
                } catch (Exception e) {
                    errors.add(e);
                } finally {
                    Mqtt.closeQuietly(c);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertThat(errors).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> goodMarkers.stream().allMatch(m -> handled(m) == 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from quarantine where device_id like 'mix-%'")
                == badMarkers.size());
        assertThat(badMarkers).allMatch(m -> handled(m) == 0);
        assertThat(goodMarkers).allMatch(m -> handled(m) == 1);
    }

    @Test
    void aCorpusOfMutatedMessagesIsNeverHandledAndGoodTrafficGoesOn() throws Exception {
        java.util.Random rnd = new java.util.Random(42);
        String marker = marker();
        String original = sign(payload(dev.id(), marker));
        publish(original.getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled(marker) == 1);
        long errorsBefore = errorRows();
        long quarantinedBefore = quarantinedCount(dev.id());
        List<byte[]> corpus = MutationCorpus.generate(rnd, original, dev, 1000);
        for (byte[] m : corpus) {
            publish(m);
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> quarantinedCount(dev.id()) - quarantinedBefore >= corpus.size());
        assertThat(handled(marker)).as("mutations of the original handled").isEqualTo(1);
        assertThat(handledMutants()).as("re-signed mutants handled").isZero();
        assertThat(errorRows()).as("route failures").isEqualTo(errorsBefore);
        String after = marker();
        publish(sign(payload(dev.id(), after)).getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled(after) == 1);
    }

    // ---- helpers ----

    private void assertRejected(String payload, Reason reason, String marker) throws Exception {
        assertRejected(payload.getBytes(StandardCharsets.UTF_8), reason, marker, 0);
    }

    private void assertRejected(String payload, Reason reason, String marker, int alreadyHandled) throws Exception {
        assertRejected(payload.getBytes(StandardCharsets.UTF_8), reason, marker, alreadyHandled);
    }

    private void assertRejected(byte[] payload, Reason reason, String marker) throws Exception {
        assertRejected(payload, reason, marker, 0);
    }

    private void assertRejected(byte[] payload, Reason reason, String marker, int alreadyHandled) throws Exception {
        long counted = platform.platform().integrity().metrics().rejectedCount(reason);
        long lastId = count("select coalesce(max(id), 0) from quarantine");
        publish(payload);
        org.awaitility.Awaitility.await(reason + " quarantined").atMost(Duration.ofSeconds(10))
                .until(() -> count("select count(*) from quarantine where id > ? and device_id = 'meter-1'", Long.toString(lastId)) >= 1);
        assertThat(count("select count(*) from quarantine where id > ? and reason = ?", Long.toString(lastId), reason.code()))
                .as("quarantined as " + reason.code()).isEqualTo(1);
        platform.awaitAudit(reason + " audited", row("integrity", "telemetry", "denied").and(reason(reason.code()))
                .and(r -> "meter-1".equals(r.actor())));
        await().atMost(Duration.ofSeconds(5)).until(() -> platform.platform().integrity().metrics().rejectedCount(reason) > counted);
        assertThat(handled(marker)).as("handled").isEqualTo(alreadyHandled);
    }

    private void publish(byte[] payload) throws Exception {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        client.publish("devices/meter-1/telemetry", m);
    }

    static String marker() {
        return Messages.marker();
    }

    static ObjectNode payload(String deviceId, String marker) {
        return Messages.payload(deviceId, marker);
    }

    private String sign(ObjectNode payload) {
        return sign(dev, payload);
    }

    static String sign(DeviceFiles d, ObjectNode payload) {
        return Messages.sign(d, payload);
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private long handled(String marker) {
        return count("select count(*) from telemetry where payload like ?", "%" + marker + "%");
    }

    private long handledMutants() {
        return count("select count(*) from telemetry where payload like ?", "%\"mutant\"%");
    }

    private long quarantinedCount(String device) {
        return count("select count(*) from quarantine where device_id = ?", device);
    }

    private long errorRows() {
        return count("select count(*) from audit_events where category = ?", "error");
    }

    private long count(String sql, String... args) {
        try (Connection c = platform.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i].matches("\\d+") && sql.contains("id > ?") && i == 0) {
                    ps.setLong(i + 1, Long.parseLong(args[i]));
                } else {
                    ps.setString(i + 1, args[i]);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
