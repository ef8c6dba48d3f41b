package io.deviceguard.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Message schemas are files a user edits: a change applies to the running platform, per type and per model. */
class SchemaEditIT {

    @TempDir
    Path home;

    @Test
    void editedSchemasApplyWithoutARestartAndPerDeviceModel() throws Exception {
        try (TestPlatform p = TestPlatform.start(home)) {
            KeyPair keys = Certificates.newEcKeyPair();
            var pki = p.platform().services().pki();
            var cert = pki.deviceIssuer().issue("infusion-1", keys.getPublic(), Duration.ofDays(1), CertificateIssuer.Profile.CLIENT, List.of());
            p.platform().services().registry().register("infusion-1", cert, "pump-x2");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("k", keys.getPrivate(), "pw".toCharArray(), new java.security.cert.Certificate[] {cert, pki.deviceCa()});
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", pki.rootCa());
            SSLContext tls = KeyStores.clientContext(ks, "pw".toCharArray(), ts);
            MqttClient c = Mqtt.connect5(p.mqttPort(), "infusion-1", tls);
            try {
                String before = send(c, keys, Map.of("rate", 500, "m", "unused"));
                await().atMost(Duration.ofSeconds(10)).until(() -> handled(p, before));

                // the packaged telemetry schema allows any number; this model's schema caps the rate at 250
                Path model = Files.createDirectories(home.resolve("schemas/models/pump-x2"));
                String packaged = new String(SchemaEditIT.class.getResourceAsStream("/schemas/telemetry.schema.json").readAllBytes());
                Files.writeString(model.resolve("telemetry.schema.json"), packaged.replace(
                        "\"data\": {", "\"data\": {\"properties\": {\"rate\": {\"type\": \"number\", \"maximum\": 250}},"));
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    String m = send(c, keys, Map.of("rate", 500, "m", "x"));
                    return quarantinedSchemaViolation(p, "infusion-1") > 0 && !handledSoon(p, m);
                });
                String ok = send(c, keys, Map.of("rate", 200, "m", "y"));
                await().atMost(Duration.ofSeconds(10)).until(() -> handled(p, ok));
            } finally {
                Mqtt.closeQuietly(c);
            }
        }
    }

    private static String send(MqttClient c, KeyPair keys, Map<String, Object> data) throws Exception {
        String marker = Messages.marker();
        var payload = Envelope.payload("infusion-1", "telemetry", UUID.randomUUID().toString(), System.currentTimeMillis(), data);
        ((com.fasterxml.jackson.databind.node.ObjectNode) payload.get("data")).put("m", marker);
        Mqtt.publish(c, "devices/infusion-1/telemetry", Envelope.sign(keys.getPrivate(), "infusion-1", payload.toString()));
        return marker;
    }

    private static boolean handled(TestPlatform p, String marker) {
        return p.count("select count(*) from telemetry where payload like '%" + marker + "%'") == 1;
    }

    private static boolean handledSoon(TestPlatform p, String marker) {
        try {
            await().atMost(Duration.ofSeconds(2)).until(() -> handled(p, marker));
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    private static long quarantinedSchemaViolation(TestPlatform p, String device) {
        return p.count("select count(*) from quarantine where device_id = '" + device + "' and reason = 'schema_violation'");
    }

}
