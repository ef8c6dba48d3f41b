package io.deviceguard.pki;

import io.deviceguard.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's PKI as files in {@code HOME/certs} (listed in certs/README.md). On first use, when the folder holds
 * no CA at all, a development PKI is generated with EC P-256 keys; when some files exist, every one must be present
 * and readable, so a half-deleted PKI stops start-up instead of being silently replaced.
 */
public final class Pki {

    private static final Logger LOG = LoggerFactory.getLogger(Pki.class);

    public static final String ROOT_CA = "root-ca.pem";
    public static final String ROOT_CA_KEY = "root-ca.key";
    public static final String DEVICE_CA = "device-ca.pem";
    public static final String DEVICE_CA_KEY = "device-ca.key";
    public static final String SERVER_CERT = "server.pem";
    public static final String SERVER_KEY = "server.key";
    public static final String SERVER_KEYSTORE = "server.p12";
    public static final String BROKER_TRUSTSTORE = "broker-trust.p12";
    public static final String SERVICE_CERT = "service.pem";
    public static final String SERVICE_KEYSTORE = "service.p12";
    public static final String CLIENT_TRUSTSTORE = "client-trust.p12";
    public static final String PASSWORDS = "passwords.properties";
    public static final String AUDIT_CERT = "audit-signing.pem";
    public static final String AUDIT_KEY = "audit-signing.key";
    public static final String COMMAND_CERT = "command-signing.pem";
    public static final String COMMAND_KEY = "command-signing.key";
    public static final String SERVICE_CN = "deviceguard-service";
    /**
     * Key in {@code passwords.properties} of the password cluster peers give each other (Artemis's cluster-password):
     * generated with the PKI, so nodes that share the PKI (a copy of HOME/certs) share it too.
     */
    public static final String CLUSTER_PASSWORD = "cluster.password";
    /**
     * The cluster link's own CA (its key is discarded once it has issued the node certificate), the node certificate
     * every node presents to its peers, and a trust store holding that CA alone: a device certificate, or any other
     * one of the platform's root, never passes the cluster acceptor's TLS.
     */
    public static final String CLUSTER_CA = "cluster-ca.pem";
    public static final String CLUSTER_NODE_KEYSTORE = "cluster-node.p12";
    public static final String CLUSTER_TRUSTSTORE = "cluster-trust.p12";
    /** The device CA's current CRL, regenerated on each revocation. */
    public static final String CRL = "crl.pem";

    private static final List<String> REQUIRED = List.of(ROOT_CA, DEVICE_CA, DEVICE_CA_KEY, SERVER_KEYSTORE,
            BROKER_TRUSTSTORE, SERVICE_CERT, SERVICE_KEYSTORE, CLIENT_TRUSTSTORE, AUDIT_CERT, AUDIT_KEY, COMMAND_CERT, COMMAND_KEY, PASSWORDS);

    private final Path dir;
    private final X509Certificate rootCa;
    private final X509Certificate deviceCa;
    private final PrivateKey deviceCaKey;
    private final X509Certificate serviceCert;
    private final Properties passwords;
    private long crlNumber;

    private Pki(Path dir) {
        this.dir = dir;
        for (String f : REQUIRED) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new ConfigException(dir.resolve(f) + " is missing: restore it, or move " + dir
                        + " away to generate a new development PKI (every device certificate must then be reissued)");
            }
        }
        this.passwords = SecretFiles.readProperties(dir.resolve(PASSWORDS));
        this.rootCa = Pem.readCertificate(dir.resolve(ROOT_CA));
        this.deviceCa = Pem.readCertificate(dir.resolve(DEVICE_CA));
        this.deviceCaKey = Pem.readPrivateKey(dir.resolve(DEVICE_CA_KEY));
        this.serviceCert = Pem.readCertificate(dir.resolve(SERVICE_CERT));
        for (String store : List.of(SERVER_KEYSTORE, BROKER_TRUSTSTORE, SERVICE_KEYSTORE, CLIENT_TRUSTSTORE)) {
            KeyStores.load(dir.resolve(store), password(store));
        }
    }

    /** Loads the PKI in {@code dir}, generating a development PKI first when the folder holds none. */
    public static Pki ensure(Path dir, List<String> serverNames) {
        if (!Files.exists(dir.resolve(ROOT_CA)) && !Files.exists(dir.resolve(DEVICE_CA)) && noPkiFiles(dir)) {
            long t0 = System.nanoTime();
            generate(dir, serverNames);
            Pki made = new Pki(dir);
            made.clusterIdentity();
            LOG.info("Generated a development PKI in {} ({} ms); see certs/README.md to use your own", dir,
                    (System.nanoTime() - t0) / 1_000_000);
            return made;
        }
        return new Pki(dir);
    }

    private static boolean noPkiFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).noneMatch(REQUIRED::contains);
        } catch (java.io.IOException e) {
            throw new ConfigException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void generate(Path dir, List<String> serverNames) {
        KeyPair rootKeys = Certificates.newEcKeyPair();
        X509Certificate root = CertificateIssuer.selfSignedCa("deviceguard Root CA", rootKeys, Duration.ofDays(3650 * 2));
        CertificateIssuer rootIssuer = new CertificateIssuer(root, rootKeys.getPrivate());

        KeyPair deviceCaKeys = Certificates.newEcKeyPair();
        X509Certificate deviceCa = rootIssuer.issue("deviceguard Device CA", deviceCaKeys.getPublic(),
                Duration.ofDays(3650), CertificateIssuer.Profile.CA, List.of());

        KeyPair serverKeys = Certificates.newEcKeyPair();
        X509Certificate server = rootIssuer.issue(serverNames.get(0), serverKeys.getPublic(), Duration.ofDays(825),
                CertificateIssuer.Profile.SERVER, serverNames);

        KeyPair serviceKeys = Certificates.newEcKeyPair();
        X509Certificate service = rootIssuer.issue(SERVICE_CN, serviceKeys.getPublic(), Duration.ofDays(825),
                CertificateIssuer.Profile.CLIENT, List.of());

        KeyPair auditKeys = Certificates.newEcKeyPair();
        X509Certificate audit = rootIssuer.issue("deviceguard Audit Signing", auditKeys.getPublic(), Duration.ofDays(3650),
                CertificateIssuer.Profile.SIGNING, List.of());

        KeyPair commandKeys = Certificates.newEcKeyPair();
        X509Certificate command = rootIssuer.issue("deviceguard Command Signing", commandKeys.getPublic(),
                Duration.ofDays(3650), CertificateIssuer.Profile.SIGNING, List.of());

        Properties pw = new Properties();
        for (String store : List.of(SERVER_KEYSTORE, BROKER_TRUSTSTORE, SERVICE_KEYSTORE, CLIENT_TRUSTSTORE)) {
            pw.setProperty(store, SecretFiles.newPassword());
        }
        pw.setProperty(CLUSTER_PASSWORD, SecretFiles.newPassword());
        Pem.writeCertificates(dir.resolve(ROOT_CA), List.of(root));
        Pem.writePrivateKey(dir.resolve(ROOT_CA_KEY), rootKeys.getPrivate());
        Pem.writeCertificates(dir.resolve(DEVICE_CA), List.of(deviceCa));
        Pem.writePrivateKey(dir.resolve(DEVICE_CA_KEY), deviceCaKeys.getPrivate());
        Pem.writeCertificates(dir.resolve(SERVER_CERT), List.of(server, root));
        Pem.writePrivateKey(dir.resolve(SERVER_KEY), serverKeys.getPrivate());
        Pem.writeCertificates(dir.resolve(SERVICE_CERT), List.of(service));
        Pem.writeCertificates(dir.resolve(AUDIT_CERT), List.of(audit, root));
        Pem.writePrivateKey(dir.resolve(AUDIT_KEY), auditKeys.getPrivate());
        Pem.writeCertificates(dir.resolve(COMMAND_CERT), List.of(command, root));
        Pem.writePrivateKey(dir.resolve(COMMAND_KEY), commandKeys.getPrivate());
        KeyStores.writeKeyStore(dir.resolve(SERVER_KEYSTORE), pw.getProperty(SERVER_KEYSTORE).toCharArray(),
                serverKeys.getPrivate(), List.of(server, root));
        // client certificates the broker accepts: those of the device CA, and the service certificate (root-issued)
        KeyStores.writeTrustStore(dir.resolve(BROKER_TRUSTSTORE), pw.getProperty(BROKER_TRUSTSTORE).toCharArray(),
                List.of(deviceCa, root));
        KeyStores.writeKeyStore(dir.resolve(SERVICE_KEYSTORE), pw.getProperty(SERVICE_KEYSTORE).toCharArray(),
                serviceKeys.getPrivate(), List.of(service, root));
        KeyStores.writeTrustStore(dir.resolve(CLIENT_TRUSTSTORE), pw.getProperty(CLIENT_TRUSTSTORE).toCharArray(),
                List.of(root));
        // written last: its presence marks a complete PKI
        SecretFiles.writeProperties(dir.resolve(PASSWORDS), pw, "generated key store passwords; keep this file 0600");
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public char[] password(String store) {
        return SecretFiles.require(passwords, store, dir.resolve(PASSWORDS)).toCharArray();
    }

    /**
     * Makes the cluster CA, node certificate and trust store if this PKI has none (a PKI made before clustering
     * existed); every node of a cluster needs the same, so copy HOME/certs to the other nodes after this.
     */
    public synchronized void clusterIdentity() {
        if (Files.isRegularFile(file(CLUSTER_NODE_KEYSTORE)) && Files.isRegularFile(file(CLUSTER_TRUSTSTORE))
                && passwords.getProperty(CLUSTER_NODE_KEYSTORE) != null && passwords.getProperty(CLUSTER_TRUSTSTORE) != null) {
            return;
        }
        KeyPair caKeys = Certificates.newEcKeyPair();
        X509Certificate ca = CertificateIssuer.selfSignedCa("deviceguard Cluster CA", caKeys, Duration.ofDays(3650));
        KeyPair nodeKeys = Certificates.newEcKeyPair();
        X509Certificate node = new CertificateIssuer(ca, caKeys.getPrivate()).issue("deviceguard-cluster-node",
                nodeKeys.getPublic(), Duration.ofDays(3650), CertificateIssuer.Profile.CLIENT, List.of());
        Properties updated = SecretFiles.readProperties(dir.resolve(PASSWORDS));
        updated.setProperty(CLUSTER_NODE_KEYSTORE, SecretFiles.newPassword());
        updated.setProperty(CLUSTER_TRUSTSTORE, SecretFiles.newPassword());
        if (updated.getProperty(CLUSTER_PASSWORD) == null) {
            updated.setProperty(CLUSTER_PASSWORD, SecretFiles.newPassword());
        }
        Pem.writeCertificates(file(CLUSTER_CA), List.of(ca));
        KeyStores.writeKeyStore(file(CLUSTER_NODE_KEYSTORE), updated.getProperty(CLUSTER_NODE_KEYSTORE).toCharArray(),
                nodeKeys.getPrivate(), List.of(node, ca));
        KeyStores.writeTrustStore(file(CLUSTER_TRUSTSTORE), updated.getProperty(CLUSTER_TRUSTSTORE).toCharArray(), List.of(ca));
        SecretFiles.writeProperties(dir.resolve(PASSWORDS), updated, "generated key store passwords; keep this file 0600");
        passwords.putAll(updated);
        LOG.info("Made the cluster link's certificates in {}", dir);
    }

    /**
     * The cluster password of this PKI. A PKI made before clustering existed gets one now (written to
     * passwords.properties): copy HOME/certs to the other nodes after that, so that every node holds the same.
     */
    public synchronized char[] clusterPassword() {
        String pw = passwords.getProperty(CLUSTER_PASSWORD);
        if (pw == null || pw.isBlank()) {
            pw = SecretFiles.newPassword();
            Properties updated = SecretFiles.readProperties(dir.resolve(PASSWORDS));
            updated.setProperty(CLUSTER_PASSWORD, pw);
            SecretFiles.writeProperties(dir.resolve(PASSWORDS), updated, "generated key store passwords; keep this file 0600");
            passwords.setProperty(CLUSTER_PASSWORD, pw);
            LOG.warn("Generated a cluster password in {}: every node of the cluster needs the same HOME/certs", dir.resolve(PASSWORDS));
        }
        return pw.toCharArray();
    }

    public X509Certificate rootCa() {
        return rootCa;
    }

    public X509Certificate deviceCa() {
        return deviceCa;
    }

    public X509Certificate serviceCert() {
        return serviceCert;
    }

    /** The key that signs audit checkpoints. */
    public PrivateKey auditSigningKey() {
        return Pem.readPrivateKey(file(AUDIT_KEY));
    }

    /** The certificate of the audit signing key: a verifier needs only this file (and the root to trust it). */
    public X509Certificate auditCertificate() {
        return Pem.readCertificate(file(AUDIT_CERT));
    }

    /** The key that signs every command sent to a device. */
    public PrivateKey commandSigningKey() {
        return Pem.readPrivateKey(file(COMMAND_KEY));
    }

    /** The command signing certificate (+ root): devices get it at provisioning and verify every command with it. */
    public X509Certificate commandCertificate() {
        return Pem.readCertificate(file(COMMAND_CERT));
    }

    /** Issues device certificates from the device CA. */
    public CertificateIssuer deviceIssuer() {
        return new CertificateIssuer(deviceCa, deviceCaKey);
    }

    /** Signs a CRL of the device CA with {@code entries} and writes it to {@code certs/crl.pem}; returns it. */
    public synchronized java.security.cert.X509CRL publishCrl(List<Crls.Entry> entries) {
        java.time.Instant now = java.time.Instant.now();
        java.security.cert.X509CRL crl = Crls.build(deviceCa, deviceCaKey, entries, now, Duration.ofDays(7),
                java.math.BigInteger.valueOf(Math.max(now.toEpochMilli(), ++crlNumber)));
        crlNumber = Math.max(now.toEpochMilli(), crlNumber);
        Pem.write(file(CRL), Pem.encode(crl), false);
        return crl;
    }

    /** The routes' TLS client identity: the service certificate, trusting only our root for the server. */
    public SSLContext serviceClientContext() {
        return KeyStores.clientContext(KeyStores.load(file(SERVICE_KEYSTORE), password(SERVICE_KEYSTORE)),
                password(SERVICE_KEYSTORE), KeyStores.load(file(CLIENT_TRUSTSTORE), password(CLIENT_TRUSTSTORE)));
    }
}
