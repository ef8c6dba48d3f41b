package io.deviceguard.device;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.sdk.Csr;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.FieldProvisioning;
import io.deviceguard.testing.CliRunner;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Disconnects;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Certificate rotation by the device over its own session (overlap, then automatic revocation of the old
 * certificate), identity takeover [MQTT-3.1.4-3] and its anomaly flag, and factory-host batch issuance, all
 * against one real platform over real mutual TLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RotationTakeoverIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    Path tmp;
    TestPlatform platform;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("rotation");
        platform = TestPlatform.start(tmp.resolve("home"), Map.of("deviceguard.mqtt.takeoverThreshold", "2",
                "deviceguard.pki.rotationOverlapSeconds", "3600"));
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private DeviceIdentity identity(DeviceFiles d) {
        return DeviceIdentity.load(d.key().getParent(), d.id());
    }

    private void connects(DeviceIdentity id) throws MqttException {
        try (DeviceClient c = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
            c.connect();
            assertThat(c.isConnected()).isTrue();
        }
    }

    private void publishesAndIsHandled(DeviceIdentity id) throws Exception {
        String marker = io.deviceguard.testing.Messages.marker();
        try (DeviceClient c = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
            c.connect();
            c.publishRaw("devices/" + id.id() + "/telemetry", io.deviceguard.sdk.Envelope.sign(id.key(), id.id(),
                    io.deviceguard.testing.Messages.payload(id.id(), marker).toString()), null).waitForCompletion(20_000);
        }
        org.awaitility.Awaitility.await("a message signed with " + id.id() + "'s overlapping key is handled")
                .atMost(WAIT).until(() -> platform.count("select count(*) from telemetry where payload like ?", "%" + marker + "%") == 1);
    }

    @Test
    void rotationKeepsBothCertificatesUntilTheNewOneIsUsedThenRevokesTheOld() throws Exception {
        DeviceIdentity old = identity(platform.createDevice("rot-1"));
        DeviceIdentity renewed;
        try (DeviceClient c = new DeviceClient(old, "127.0.0.1", platform.mqttPort())) {
            c.connect();
            renewed = c.renewCertificate(WAIT);
            assertThat(renewed.chain().get(0).getSerialNumber()).isNotEqualTo(old.chain().get(0).getSerialNumber());
            assertThat(Certificates.commonName(renewed.chain().get(0))).contains("rot-1");
            assertThat(c.askCertificate(Csr.create(Certificates.newEcKeyPair(), "rot-2"), WAIT)).startsWith("error: cn_mismatch");
        }
        platform.awaitAudit("rotation", row("provisioning", "rotate", "success").and(r -> r.target().equals("rot-1")));
        // overlap: the old certificate still works while the new one is unused, for connecting and for signing
        connects(old);
        publishesAndIsHandled(old);
        connects(renewed);
        AuditRecord done = platform.awaitAudit("old certificate retired", row("provisioning", "rotation-complete", "success")
                .and(r -> r.target().equals("rot-1")));
        assertThat(done.details()).contains("new certificate first used")
                .contains(Certificates.serialHex(old.chain().get(0)));
        assertThatThrownBy(() -> connects(old)).isInstanceOf(MqttException.class);
        platform.awaitAudit("old certificate refused", row("connection", "connect", "denied").and(reason("certificate_revoked")));
        connects(renewed);
        X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(Files.newInputStream(
                platform.home().resolve("certs").resolve(Pki.CRL)));
        assertThat(crl.getRevokedCertificate(old.chain().get(0).getSerialNumber())).isNotNull();
        assertThat(crl.getRevokedCertificate(renewed.chain().get(0).getSerialNumber())).isNull();
    }

    @Test
    void aRotationCsrWithTheCurrentKeyOrAWeakKeyIsRefused() throws Exception {
        DeviceFiles f = platform.createDevice("rot-3");
        DeviceIdentity id = identity(f);
        try (DeviceClient c = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
            c.connect();
            java.security.KeyPair same = new java.security.KeyPair(id.chain().get(0).getPublicKey(), id.key());
            assertThat(c.askCertificate(Csr.create(same, "rot-3"), WAIT)).startsWith("error: key_reused");
            assertThat(c.askCertificate(Csr.create(DeviceImportIT.keys("RSA", 1024), "rot-3"), WAIT)).startsWith("error: weak_key");
            if ("OPENSSL".equals(platform.platform().services().deviceKeys().brokerTlsEngine())) {
                // an Ed25519 key could never connect to this broker (BoringSSL accepts no ed25519 client certificate)
                assertThat(c.askCertificate(Csr.create(DeviceImportIT.keys("Ed25519", null), "rot-3"), WAIT))
                        .startsWith("error: " + io.deviceguard.pki.DeviceKeyPolicy.NOT_ACCEPTED);
                platform.awaitAudit("refused Ed25519 rotation", row("provisioning", "rotate", "denied")
                        .and(reason(io.deviceguard.pki.DeviceKeyPolicy.NOT_ACCEPTED)));
            }
        }
        platform.awaitAudit("refused rotation", row("provisioning", "rotate", "denied").and(reason("weak_key")));
    }

    @Test
    void aSecondConnectionWithTheSameIdClosesTheFirstIsAuditedAsATakeoverAndFloodsAreFlagged() throws Exception {
        DeviceFiles d = platform.createDevice("twin-1");
        MqttClient first = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        Disconnects closed = Disconnects.watch(first);
        MqttClient second = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        closed.at().get(5, TimeUnit.SECONDS);
        assertThat(first.isConnected()).as("[MQTT-3.1.4-3] the first connection is closed").isFalse();
        assertThat(second.isConnected()).isTrue();
        AuditRecord takeover = platform.awaitAudit("takeover", row("connection", "takeover", "success")
                .and(r -> r.target().equals("twin-1")));
        assertThat(takeover.details()).contains("\"previousRemote\":\"127.0.0.1:").contains("\"newRemote\":\"127.0.0.1:")
                .contains("MQTT-3.1.4-3");
        MqttClient last = second;
        for (int i = 0; i < 2; i++) {
            MqttClient next = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
            Mqtt.closeQuietly(last);
            last = next;
        }
        Mqtt.closeQuietly(last);
        Mqtt.closeQuietly(first);
        AuditRecord flood = platform.awaitAudit("takeover flood", row("anomaly", "takeover-flood", "success")
                .and(r -> r.target().equals("twin-1")));
        assertThat(flood.details()).contains("\"takeoversPerMinute\":3").contains("\"threshold\":2");
    }

    @Test
    void issueBatchWritesOnePkcs12PerDeviceThatConnects() throws Exception {
        Path out = tmp.resolve("bundles");
        CliRunner.Result r = new CliRunner(tmp.resolve("cfg")).run(null, "pki", "issue-batch", "--count", "3", "--prefix",
                "ACME-", "--model", "line-7", "--out", out.toString(), "--home", platform.home().toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Issued and registered 3 device(s) ACME-000001 .. ACME-000003");
        assertThat(r.err()).contains("issuing", "100% 3/3");
        assertThat(Files.readString(out.resolve("manifest.csv"))).contains("ACME-000002,line-7,");
        String password = Files.readString(out.resolve("ACME-000002.p12.password")).trim();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(out.resolve("ACME-000002.p12"))) {
            ks.load(in, password.toCharArray());
        }
        String alias = ks.aliases().nextElement();
        List<X509Certificate> chain = Arrays.stream(ks.getCertificateChain(alias)).map(c -> (X509Certificate) c).toList();
        DeviceIdentity id = new DeviceIdentity("ACME-000002", (PrivateKey) ks.getKey(alias, password.toCharArray()), chain,
                Pem.readCertificate(out.resolve("ca.pem")));
        connects(id);
        assertThat(platform.platform().services().registry().find("ACME-000003")).get().extracting(Device::model)
                .isEqualTo("line-7");
    }

    @Test
    void theOldCertificateIsRevokedWhenTheOverlapWindowEndsEvenIfTheNewOneIsNeverUsed() throws Exception {
        try (TestPlatform shortOverlap = TestPlatform.start(tmp.resolve("home-short"),
                Map.of("deviceguard.pki.rotationOverlapSeconds", "2"))) {
            DeviceFiles f = shortOverlap.createDevice("rot-4");
            DeviceIdentity old = DeviceIdentity.load(f.key().getParent(), f.id());
            try (DeviceClient c = new DeviceClient(old, "127.0.0.1", shortOverlap.mqttPort())) {
                c.connect();
                FieldProvisioning.chain(c.askCertificate(Csr.create(Certificates.newEcKeyPair(), "rot-4"), WAIT));
            }
            AuditRecord done = shortOverlap.awaitAudit("overlap ended", row("provisioning", "rotation-complete", "success")
                    .and(r -> r.target().equals("rot-4")));
            assertThat(done.details()).contains("overlap window ended");
            try (DeviceClient c = new DeviceClient(old, "127.0.0.1", shortOverlap.mqttPort())) {
                assertThatThrownBy(c::connect).isInstanceOf(MqttException.class);
            }
            shortOverlap.awaitAudit("old certificate refused", row("connection", "connect", "denied")
                    .and(reason("certificate_revoked")));
        }
    }
}
