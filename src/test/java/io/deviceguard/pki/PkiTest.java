package io.deviceguard.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated development PKI: what is in it, who may read it, and how a damaged one stops start-up. */
class PkiTest {

    private static final List<String> SERVER_NAMES = List.of("localhost", "127.0.0.1");
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    @TempDir
    Path tmp;

    private Path dir;
    private Pki pki;

    @BeforeEach
    void generate() {
        dir = tmp.resolve("certs");
        pki = Pki.ensure(dir, SERVER_NAMES);
    }

    @Test
    void ensureOnAnEmptyFolderGeneratesEveryFile() {
        for (String f : List.of(Pki.ROOT_CA, Pki.ROOT_CA_KEY, Pki.DEVICE_CA, Pki.DEVICE_CA_KEY, Pki.SERVER_CERT,
                Pki.SERVER_KEY, Pki.SERVER_KEYSTORE, Pki.BROKER_TRUSTSTORE, Pki.SERVICE_CERT, Pki.SERVICE_KEYSTORE,
                Pki.CLIENT_TRUSTSTORE, Pki.COMMAND_CERT, Pki.COMMAND_KEY, Pki.PASSWORDS)) {
            assertThat(dir.resolve(f)).as(f).isRegularFile();
        }
        assertThat(dir).as("no temporary file left behind").isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void secretsAreReadableByTheOwnerOnly() throws Exception {
        List<Path> secrets = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".key") || p.toString().endsWith(".p12")).forEach(secrets::add);
        }
        secrets.add(dir.resolve(Pki.PASSWORDS));
        assertThat(secrets).hasSize(5 + 6 + 1); // root, device CA, server, audit- and command-signing keys; six stores (two of the cluster link); passwords

        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        for (Path p : secrets) {
            assertThat(Files.getPosixFilePermissions(p)).as(p.getFileName() + " must be 0600").isEqualTo(ownerOnly);
        }
    }

    @Test
    void rootIsSelfSignedCaAndDeviceCaChainsToIt() throws Exception {
        X509Certificate root = pki.rootCa();
        X509Certificate deviceCa = pki.deviceCa();

        root.verify(root.getPublicKey());
        assertThat(root.getBasicConstraints()).as("root is a CA").isGreaterThanOrEqualTo(0);
        assertThat(Certificates.commonName(root)).contains("deviceguard Root CA");

        deviceCa.verify(root.getPublicKey());
        assertThat(deviceCa.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        assertThat(deviceCa.getBasicConstraints()).as("device CA is a CA").isGreaterThanOrEqualTo(0);
        assertThat(deviceCa.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThatThrownBy(() -> deviceCa.verify(deviceCa.getPublicKey()))
                .as("the device CA is not self-signed").isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void serverCertificateNamesLocalhostAsDnsAnd127001AsIp() throws Exception {
        List<X509Certificate> chain = Pem.readCertificates(dir.resolve(Pki.SERVER_CERT));
        X509Certificate server = chain.get(0);

        Map<Integer, List<String>> sans = new HashMap<>();
        for (List<?> san : server.getSubjectAlternativeNames()) {
            sans.computeIfAbsent((Integer) san.get(0), k -> new ArrayList<>()).add((String) san.get(1));
        }
        assertThat(sans.get(SAN_DNS)).containsExactly("localhost");
        assertThat(sans.get(SAN_IP)).containsExactly("127.0.0.1");
        assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(server.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        server.verify(pki.rootCa().getPublicKey());
    }

    @Test
    void serverKeyStoreHoldsTheServerChainUnderItsGeneratedPassword() throws Exception {
        KeyStore ks = KeyStores.load(dir.resolve(Pki.SERVER_KEYSTORE), pki.password(Pki.SERVER_KEYSTORE));

        assertThat(ks.isKeyEntry(KeyStores.KEY_ALIAS)).isTrue();
        X509Certificate leaf = (X509Certificate) ks.getCertificateChain(KeyStores.KEY_ALIAS)[0];
        assertThat(Certificates.fingerprint(leaf))
                .isEqualTo(Certificates.fingerprint(Pem.readCertificate(dir.resolve(Pki.SERVER_CERT))));
        assertThatThrownBy(() -> KeyStores.load(dir.resolve(Pki.SERVER_KEYSTORE), "wrong".toCharArray()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(Pki.SERVER_KEYSTORE);
    }

    @Test
    void serviceCertificateIsAClientCertificateOfTheRoot() throws Exception {
        X509Certificate service = pki.serviceCert();

        assertThat(Certificates.commonName(service)).contains(Pki.SERVICE_CN);
        assertThat(service.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(service.getBasicConstraints()).isEqualTo(-1);
        service.verify(pki.rootCa().getPublicKey());
        assertThatCode(pki::serviceClientContext).doesNotThrowAnyException();
    }

    @Test
    void issuedDeviceCertificateHasIdAsCnClientAuthAndIsNoCa() throws Exception {
        KeyPair keys = Certificates.newEcKeyPair();
        X509Certificate cert = pki.deviceIssuer().issue("dev-1.a", keys.getPublic(), Duration.ofDays(30),
                CertificateIssuer.Profile.CLIENT, List.of());

        assertThat(Certificates.commonName(cert)).contains("dev-1.a");
        assertThat(cert.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getIssuerX500Principal()).isEqualTo(pki.deviceCa().getSubjectX500Principal());
        cert.verify(pki.deviceCa().getPublicKey());
        assertThatThrownBy(() -> cert.verify(pki.rootCa().getPublicKey()))
                .as("signed by the device CA, not the root").isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void subjectIsEncodedOThenCnAndPrintedReversed() {
        X509Certificate cert = pki.deviceIssuer().issue("dev1", Certificates.newEcKeyPair().getPublic(),
                Duration.ofDays(1), CertificateIssuer.Profile.CLIENT, List.of());

        RDN[] rdns = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs();
        assertThat(rdns).hasSize(2);
        assertThat(rdns[0].getFirst().getType()).isEqualTo(BCStyle.O);
        assertThat(rdns[1].getFirst().getType()).isEqualTo(BCStyle.CN);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=dev1,O=deviceguard");
        assertThat(Certificates.commonName(cert)).contains("dev1");
    }

    @Test
    void commonNameIsEmptyWhenTheSubjectHasNone() {
        X509Certificate cert = pki.deviceIssuer().issue(new X500Name("O=deviceguard"),
                Certificates.newEcKeyPair().getPublic(), java.time.Instant.now(), Duration.ofDays(1),
                CertificateIssuer.Profile.CLIENT, List.of());

        assertThat(Certificates.commonName(cert)).isEmpty();
    }

    @Test
    void secondEnsureLoadsTheSameCertificatesWithoutRegenerating() throws Exception {
        byte[] serverStore = Files.readAllBytes(dir.resolve(Pki.SERVER_KEYSTORE));
        byte[] passwords = Files.readAllBytes(dir.resolve(Pki.PASSWORDS));

        Pki again = Pki.ensure(dir, SERVER_NAMES);

        assertThat(Certificates.fingerprint(again.rootCa())).isEqualTo(Certificates.fingerprint(pki.rootCa()));
        assertThat(Certificates.fingerprint(again.deviceCa())).isEqualTo(Certificates.fingerprint(pki.deviceCa()));
        assertThat(Certificates.fingerprint(again.serviceCert())).isEqualTo(Certificates.fingerprint(pki.serviceCert()));
        assertThat(Files.readAllBytes(dir.resolve(Pki.SERVER_KEYSTORE))).isEqualTo(serverStore);
        assertThat(Files.readAllBytes(dir.resolve(Pki.PASSWORDS))).isEqualTo(passwords);

        // a certificate issued by the reloaded device CA verifies against the original one
        X509Certificate cert = again.deviceIssuer().issue("dev2", Certificates.newEcKeyPair().getPublic(),
                Duration.ofDays(1), CertificateIssuer.Profile.CLIENT, List.of());
        cert.verify(pki.deviceCa().getPublicKey());
    }

    @Test
    void missingServerKeyStoreStopsStartUpNamingTheFile() throws Exception {
        Files.delete(dir.resolve(Pki.SERVER_KEYSTORE));

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve(Pki.SERVER_KEYSTORE).toString())
                .hasMessageContaining("missing");
        assertThat(dir.resolve(Pki.SERVER_KEYSTORE)).as("a half-deleted PKI is not silently replaced").doesNotExist();
    }

    @Test
    void garbageDeviceCaStopsStartUpNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(Pki.DEVICE_CA), "this is not a certificate\n", StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve(Pki.DEVICE_CA).toString());
    }

    @Test
    void deviceCaWithCorruptedBodyStopsStartUpNamingTheFile() throws Exception {
        Path file = dir.resolve(Pki.DEVICE_CA);
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int body = pem.indexOf('\n') + 1;
        // damage the base64 body inside an intact BEGIN/END block, as a bad copy or an editor might
        String corrupted = pem.substring(0, body) + "!!!!" + pem.substring(body + 4);
        Files.writeString(file, corrupted, StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void truncatedDeviceCaStopsStartUpNamingTheFile() throws Exception {
        Path file = dir.resolve(Pki.DEVICE_CA);
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        Files.writeString(file, pem.substring(0, pem.length() / 2), StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void garbageDeviceCaKeyStopsStartUpNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(Pki.DEVICE_CA_KEY), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve(Pki.DEVICE_CA_KEY).toString());
    }

    @Test
    void passwordsAreNotInAnyErrorMessage() throws Exception {
        String serverPassword = new String(pki.password(Pki.SERVER_KEYSTORE));
        Files.write(dir.resolve(Pki.SERVER_KEYSTORE), "not pkcs12".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> Pki.ensure(dir, SERVER_NAMES))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(Pki.SERVER_KEYSTORE)
                .hasMessageNotContaining(serverPassword);
    }
}
