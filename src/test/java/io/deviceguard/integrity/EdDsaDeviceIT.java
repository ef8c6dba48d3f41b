package io.deviceguard.integrity;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.sdk.Csr;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device with an Ed25519 key, end to end: imported from its CSR over the admin API, connected over mutual TLS with
 * the certificate the platform issued, its EdDSA-signed telemetry verified (through the JCA, {@link JcaEd25519Verifier}),
 * handled and audited, and a message with one bit of its signature changed refused as {@code bad_signature}.
 * <p>
 * The broker runs on the JDK's TLS engine here: BoringSSL, as netty-tcnative builds it, does not offer ed25519 among the
 * signature algorithms it accepts for a client certificate, and netty has no setting for it, so on the default engine
 * (OPENSSL) the platform refuses to certify an Ed25519 key ({@code key_not_accepted_by_broker}, DeviceImportIT).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdDsaDeviceIT {

    @TempDir
    static Path home;
    TestPlatform platform;
    AdminApiClient api;
    String admin;

    @BeforeAll
    void start() {
        platform = TestPlatform.start(home, Map.of("deviceguard.tls.provider", "JDK"));
        api = AdminApiClient.of(platform);
        admin = api.newAdmin(platform, "mfg");
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @Test
    void anEd25519DeviceConnectsAndItsEdDsaTelemetryIsVerifiedHandledAndATamperedSignatureRefused() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519", Certificates.bouncyCastle()).generateKeyPair();
        String csv = "device_id,model,pem\n" + "pump-ed," + "pump-y," + io.deviceguard.device.Manifest.quote(Csr.create(ed, "pump-ed")) + "\n";
        AdminApiClient.Reply r = api.post("/api/v1/devices/import", admin, "{\"manifest\":" + AdminApiClient.quote(csv) + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        DeviceIdentity id = new DeviceIdentity("pump-ed", ed.getPrivate(),
                Pem.parseCertificates(r.json().path("devices").get(0).path("certificate").asText()),
                platform.platform().services().pki().rootCa());

        try (DeviceClient c = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
            c.connect();
            assertThat(c.isConnected()).as("mutual TLS with the device's Ed25519 certificate").isTrue();

            String marker = Messages.marker();
            c.publishRaw("devices/pump-ed/telemetry", edDsaJws(ed, "pump-ed", Messages.payload("pump-ed", marker).toString()), null);
            platform.awaitAudit("the EdDSA-signed message handled and audited", row("message", "telemetry", "success")
                    .and(x -> x.actor().equals("pump-ed")));

            String[] parts = edDsaJws(ed, "pump-ed", Messages.payload("pump-ed", Messages.marker()).toString()).split("\\.");
            byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
            sig[10] ^= 0x01;
            c.publishRaw("devices/pump-ed/telemetry", parts[0] + "." + parts[1] + "." + b64(sig), null);
            platform.awaitAudit("the changed signature refused", row("integrity", "telemetry", "denied")
                    .and(reason(Reason.BAD_SIGNATURE.code())).and(x -> x.actor().equals("pump-ed")));
        }
        assertThat(platform.platform().integrity().metrics().rejectedCount(Reason.BAD_SIGNATURE)).isEqualTo(1);
    }

    /** A compact JWS, alg EdDSA, signed through the JCA as an Ed25519 device's own firmware would sign it. */
    private static String edDsaJws(KeyPair ed, String kid, String payload) throws Exception {
        String input = b64(("{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8)) + "."
                + b64(payload.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(ed.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
