package io.deviceguard.device;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.sdk.Csr;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.CliRunner;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Manufacturing import over the admin API and the CLI against a real platform: CSRs signed by the device CA and
 * certificates it issued become ACTIVE devices that connect over mutual TLS; every kind of bad row is reported with
 * its line and reason and nothing is registered; re-running a manifest changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceImportIT {

    Path tmp;
    TestPlatform platform;
    AdminApiClient api;
    String admin;
    String adminPassword;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("import");
        platform = TestPlatform.start(tmp.resolve("home"));
        api = AdminApiClient.of(platform);
        adminPassword = TestSecrets.password();
        platform.createUser("mfg", Role.ADMIN, adminPassword);
        admin = api.token("mfg", adminPassword);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private AdminApiClient.Reply importCsv(String csv) {
        return api.post("/api/v1/devices/import", admin, "{\"manifest\":" + AdminApiClient.quote(csv) + "}");
    }

    static String line(String id, String model, String pem) {
        return id + "," + model + "," + io.deviceguard.device.Manifest.quote(pem) + "\n";
    }

    static KeyPair keys(String alg, Object spec) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg, Certificates.bouncyCastle());
        if (spec instanceof Integer bits) {
            g.initialize(bits);
        } else if (spec instanceof String curve) {
            g.initialize(new ECGenParameterSpec(curve));
        }
        return g.generateKeyPair();
    }

    private X509Certificate fromDeviceCa(String cn, KeyPair k, Instant notBefore, Duration validity) {
        return platform.platform().services().pki().deviceIssuer().issue(CertificateIssuer.subject(cn), k.getPublic(),
                notBefore, validity, CertificateIssuer.Profile.CLIENT, List.of());
    }

    @Test
    void csrsAndDeviceCaCertificatesImportConnectAndAReRunChangesNothing() throws Exception {
        KeyPair p256 = Certificates.newEcKeyPair();
        KeyPair p384 = keys("EC", "secp384r1");
        KeyPair rsa = keys("RSA", 2048);
        KeyPair preIssued = Certificates.newEcKeyPair();
        String csv = "device_id,model,pem\n"
                + line("mfg-p256", "pump-x", Csr.create(p256, "mfg-p256"))
                + line("mfg-p384", "pump-x", Csr.create(p384, "mfg-p384"))
                + line("mfg-rsa", "", Csr.create(rsa, "mfg-rsa"))
                + line("mfg-cert", "pump-x", Pem.encode(fromDeviceCa("mfg-cert", preIssued, Instant.now().minusSeconds(60),
                        Duration.ofDays(365))));
        AdminApiClient.Reply r = importCsv(csv);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        // an Ed25519 device: EdDsaDeviceIT (imported, connected and its messages verified on the JDK's TLS engine) and
        // everyBadRowIsReportedWithItsLineAndNothingIsRegistered (refused on OpenSSL's)
        assertThat(r.json().path("created").asInt()).isEqualTo(4);
        Map<String, String> fingerprints = fingerprints(r.json());
        assertThat(fingerprints).containsOnlyKeys("mfg-p256", "mfg-p384", "mfg-rsa", "mfg-cert");
        assertThat(platform.platform().services().registry().find("mfg-p256")).get()
                .extracting(Device::status, Device::model).containsExactly(DeviceStatus.ACTIVE, "pump-x");

        // the key never left the "device": the chain the platform returned and the device's own key connect
        for (JsonNode d : r.json().path("devices")) {
            if (d.path("id").asText().equals("mfg-p256")) {
                DeviceIdentity id = new DeviceIdentity("mfg-p256", p256.getPrivate(),
                        Pem.parseCertificates(d.path("certificate").asText()), platform.platform().services().pki().rootCa());
                try (DeviceClient c = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
                    c.connect();
                    assertThat(c.isConnected()).isTrue();
                }
            }
        }
        AdminApiClient.Reply again = importCsv(csv);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().path("created").asInt()).isZero();
        assertThat(again.json().path("unchanged").asInt()).isEqualTo(4);
        assertThat(fingerprints(again.json())).isEqualTo(fingerprints);
        platform.awaitAudit("import summary", row("provisioning", "import", "success").and(x -> x.actor().equals("mfg")
                && x.details().contains("\"created\":4")));
        platform.awaitAudit("imported device row", row("provisioning", "import-device", "success")
                .and(x -> x.target().equals("mfg-cert")));
    }

    @Test
    void everyBadRowIsReportedWithItsLineAndNothingIsRegistered() throws Exception {
        KeyPair a = Certificates.newEcKeyPair();
        KeyPair b = Certificates.newEcKeyPair();
        // a CSR for key a signed with key b: its signature does not verify
        String forged = Pem.encode(new JcaPKCS10CertificationRequestBuilder(CertificateIssuer.subject("bad-sig"), a.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(b.getPrivate())));
        KeyPair foreignCa = Certificates.newEcKeyPair();
        X509Certificate foreignRoot = CertificateIssuer.selfSignedCa("Foreign CA", foreignCa, Duration.ofDays(30));
        X509Certificate foreign = new CertificateIssuer(foreignRoot, foreignCa.getPrivate()).issue("bad-issuer",
                Certificates.newEcKeyPair().getPublic(), Duration.ofDays(30), CertificateIssuer.Profile.CLIENT, List.of());
        platform.createDevice("already-there");
        Map<String, String> expected = new LinkedHashMap<>();
        StringBuilder csv = new StringBuilder();
        csv.append(line("good-row", "m", Csr.create(Certificates.newEcKeyPair(), "good-row")));     // line 1
        csv.append(line("-bad id", "m", Csr.create(a, "-bad id")));                                 // line 2..
        expected.put("-bad id", "bad_id");
        csv.append(line("good-row", "m", Csr.create(Certificates.newEcKeyPair(), "good-row")));
        expected.put("good-row", "duplicate");
        csv.append(line("already-there", "m", Csr.create(Certificates.newEcKeyPair(), "already-there")));
        expected.put("already-there", "duplicate");
        csv.append(line("bad-sig", "m", forged));
        expected.put("bad-sig", "csr_signature_invalid");
        csv.append(line("weak-rsa", "m", Csr.create(keys("RSA", 1024), "weak-rsa")));
        expected.put("weak-rsa", "weak_key");
        csv.append(line("weak-curve", "m", Csr.create(keys("EC", "secp256k1"), "weak-curve")));
        expected.put("weak-curve", "weak_key");
        csv.append(line("cn-mismatch", "m", Csr.create(Certificates.newEcKeyPair(), "someone-else")));
        expected.put("cn-mismatch", "cn_mismatch");
        csv.append(line("expired", "m", Pem.encode(fromDeviceCa("expired", Certificates.newEcKeyPair(),
                Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1)))));
        expected.put("expired", "expired_certificate");
        csv.append(line("bad-issuer", "m", Pem.encode(foreign)));
        expected.put("bad-issuer", "untrusted_issuer");
        if ("OPENSSL".equals(platform.platform().services().deviceKeys().brokerTlsEngine())) {
            // BoringSSL accepts no Ed25519 client certificate: a device certified so could never connect
            csv.append(line("ed-on-openssl", "m", Csr.create(keys("Ed25519", null), "ed-on-openssl")));
            expected.put("ed-on-openssl", io.deviceguard.pki.DeviceKeyPolicy.NOT_ACCEPTED);
        }

        AdminApiClient.Reply r = importCsv(csv.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().path("code").asText()).isEqualTo("import_rejected");
        Map<String, String> found = new LinkedHashMap<>();
        List<Integer> lines = new ArrayList<>();
        for (JsonNode e : r.json().path("errors")) {
            found.put(e.path("deviceId").asText(), e.path("code").asText());
            lines.add(e.path("line").asInt());
        }
        assertThat(found).isEqualTo(expected);
        // each PEM spans several lines: a row's line is where it starts, and they ascend
        assertThat(lines).isSorted().doesNotHaveDuplicates().allSatisfy(l -> assertThat(l).isGreaterThan(1));
        assertThat(platform.platform().services().registry().find("good-row")).as("all or nothing").isEmpty();
        platform.awaitAudit("rejected import", row("provisioning", "import", "denied"));
    }

    @Test
    void theCliImportsWithAProgressBarAndWritesEachCertificate() throws Exception {
        CliRunner cli = new CliRunner(tmp.resolve("cfg"));
        CliRunner.Result login = cli.run(adminPassword + "\n", "login", "--url", "https://127.0.0.1:" + platform.adminPort(),
                "--home", platform.home().toString(), "--username", "mfg", "--password-stdin");
        assertThat(login.exit()).as(login.err()).isZero();
        Path manifest = tmp.resolve("manifest.csv");
        StringBuilder csv = new StringBuilder("device_id,model,pem\n");
        for (int i = 0; i < 20; i++) {
            csv.append(line("cli-" + i, "m", Csr.create(Certificates.newEcKeyPair(), "cli-" + i)));
        }
        Files.writeString(manifest, csv);
        Path out = tmp.resolve("certs-out");
        CliRunner.Result r = cli.run(null, "device", "import", manifest.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("checking", "100% 20/20", "writing");
        assertThat(r.out()).contains("Imported 20 device(s): 20 registered, 0 unchanged");
        assertThat(Pem.readCertificates(out.resolve("cli-7.pem")).get(0).getSubjectX500Principal().getName()).contains("CN=cli-7");

        Files.writeString(manifest, csv + line("cli-bad", "m", Csr.create(Certificates.newEcKeyPair(), "not-cli-bad")));
        CliRunner.Result bad = cli.run(null, "device", "import", manifest.toString(), "--out", out.toString());
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("1 bad row(s); nothing was imported", "cn_mismatch");
    }

    private static Map<String, String> fingerprints(JsonNode r) {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode d : r.path("devices")) {
            m.put(d.path("id").asText(), d.path("certFingerprint").asText());
        }
        return m;
    }
}
