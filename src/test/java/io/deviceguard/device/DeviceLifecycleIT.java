package io.deviceguard.device;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Disconnects;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation, suspension and CA distrust through the admin API against live devices on real mutual TLS: the live
 * session is closed within 1 s, the next CONNECT is refused with the reason audited, and the CRL (signed by the
 * device CA, in certs/crl.pem and over the API) lists exactly the revoked certificates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeviceLifecycleIT {

    @TempDir
    static Path home;
    TestPlatform platform;
    AdminApiClient api;
    String admin;

    @BeforeAll
    void start() {
        platform = TestPlatform.start(home);
        api = AdminApiClient.of(platform);
        String pw = TestSecrets.password();
        platform.createUser("root", Role.ADMIN, pw);
        admin = api.token("root", pw);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @Test
    @Order(1)
    void revokeClosesTheLiveSessionWithinOneSecondRefusesReconnectAndListsTheCertificateInTheCrl() throws Exception {
        DeviceFiles d = platform.createDevice("rev-1");
        MqttClient c = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        Disconnects closed = Disconnects.watch(c);
        long t0 = System.nanoTime();
        AdminApiClient.Reply r = api.post("/api/v1/devices/rev-1/revoke", admin, "{\"reason\":\"key extracted in the field\"}");
        long closedAt = closed.at().get(5, TimeUnit.SECONDS);
        double ms = (closedAt - t0) / 1e6;
        System.out.printf("revocation: API call to live session closed in %.1f ms (server side %.2f ms)%n", ms,
                r.json().path("disconnectMillis").asDouble());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("device").path("status").asText()).isEqualTo("REVOKED");
        assertThat(r.json().path("sessionsClosed").asInt()).isEqualTo(1);
        assertThat(ms).as("closed within 1 s").isLessThan(1000);
        Mqtt.closeQuietly(c);

        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d))).isInstanceOf(MqttException.class);
        platform.awaitAudit("reconnect of a revoked device", row("connection", "connect", "denied").and(reason("device_revoked")));
        platform.awaitAudit("revocation row", row("device", "revoke", "success").and(x -> x.actor().equals("root")
                && x.details().contains("key extracted in the field")));

        X509Certificate cert = Pem.readCertificates(d.certificate()).get(0);
        X509CRL fromFile = crl(Files.readString(home.resolve("certs").resolve(Pki.CRL)));
        AdminApiClient.Reply fromApi = api.get("/api/v1/crl", admin);
        assertThat(fromApi.status()).isEqualTo(200);
        assertThat(fromApi.contentType()).startsWith("application/x-pem-file");
        for (X509CRL crl : new X509CRL[] {fromFile, crl(fromApi.body())}) {
            X509Certificate deviceCa = platform.platform().services().pki().deviceCa();
            crl.verify(deviceCa.getPublicKey());
            assertThat(crl.getIssuerX500Principal()).isEqualTo(deviceCa.getSubjectX500Principal());
            assertThat(crl.getRevokedCertificate(cert.getSerialNumber())).as("the revoked serial is listed").isNotNull();
            assertThat(crl.getNextUpdate()).isAfter(crl.getThisUpdate());
        }
    }

    @Test
    @Order(2)
    void suspendClosesTheSessionRefusesReconnectAndResumeLetsItBackWithoutAnyCrlEntry() throws Exception {
        DeviceFiles d = platform.createDevice("sus-1");
        MqttClient c = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        Disconnects closed = Disconnects.watch(c);
        long t0 = System.nanoTime();
        AdminApiClient.Reply r = api.post("/api/v1/devices/sus-1/suspend", admin, null);
        long closedAt = closed.at().get(5, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("device").path("status").asText()).isEqualTo("SUSPENDED");
        assertThat((closedAt - t0) / 1e6).as("closed within 1 s").isLessThan(1000);
        Mqtt.closeQuietly(c);
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d))).isInstanceOf(MqttException.class);
        platform.awaitAudit("reconnect of a suspended device", row("connection", "connect", "denied").and(reason("device_suspended")));

        assertThat(api.post("/api/v1/devices/sus-1/resume", admin, null).status()).isEqualTo(200);
        MqttClient back = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        assertThat(back.isConnected()).isTrue();
        Mqtt.closeQuietly(back);
        X509Certificate cert = Pem.readCertificates(d.certificate()).get(0);
        assertThat(crl(api.get("/api/v1/crl", admin).body()).getRevokedCertificate(cert.getSerialNumber()))
                .as("suspension is not revocation").isNull();
    }

    @Test
    @Order(3)
    void revokedDevicesCannotBeResumedOrSuspendedAndUnknownOnesAreNotFound() {
        assertThat(api.post("/api/v1/devices/rev-1/resume", admin, null).status()).isEqualTo(409);
        assertThat(api.post("/api/v1/devices/rev-1/suspend", admin, null).status()).isEqualTo(409);
        AdminApiClient.Reply missing = api.post("/api/v1/devices/nobody/revoke", admin, "{\"reason\":\"x\"}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("code").asText()).isEqualTo("no_such_device");
        assertThat(api.post("/api/v1/devices/sus-1/revoke", admin, "{\"reason\":\"\"}").status()).isEqualTo(400);
    }

    @Test
    @Order(10)
    void distrustingTheDeviceCaClosesAndRefusesEveryDeviceItIssued() throws Exception {
        DeviceFiles a = platform.createDevice("ca-a");
        DeviceFiles b = platform.createDevice("ca-b");
        MqttClient ca = Mqtt.connect5(platform.mqttPort(), a.id(), TestCerts.sslContext(a));
        MqttClient cb = Mqtt.connect5(platform.mqttPort(), b.id(), TestCerts.sslContext(b));
        Disconnects da = Disconnects.watch(ca);
        Disconnects db = Disconnects.watch(cb);
        int closed = platform.platform().lifecycle().distrustCa(platform.platform().services().pki().deviceCa(),
                "device CA key compromised", "test");
        da.at().get(5, TimeUnit.SECONDS);
        db.at().get(5, TimeUnit.SECONDS);
        assertThat(closed).isGreaterThanOrEqualTo(2);
        Mqtt.closeQuietly(ca);
        Mqtt.closeQuietly(cb);
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), b.id(), TestCerts.sslContext(b))).isInstanceOf(MqttException.class);
        platform.awaitAudit("a device of the distrusted CA", row("connection", "connect", "denied").and(reason("ca_distrusted")));
        platform.awaitAudit("distrust row", row("device", "distrust-ca", "success"));
    }

    private static X509CRL crl(String pem) throws Exception {
        String b64 = pem.replaceAll("-----[A-Z0-9 ]+-----", "").replaceAll("\\s", "");
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(
                new ByteArrayInputStream(java.util.Base64.getDecoder().decode(b64.getBytes(StandardCharsets.US_ASCII))));
    }

}
