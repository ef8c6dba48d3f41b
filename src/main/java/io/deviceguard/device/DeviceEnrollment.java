package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.pki.SecretFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Creates a device on the host: a key pair made here, a certificate from the device CA, an ACTIVE registry row and
 * an audit row, and the files a device (or mosquitto_pub) needs: {@code ID.key}, {@code ID.pem} (certificate and
 * device CA), {@code ID.p12} with its password in {@code ID.p12.password}, and {@code ca.pem} to verify the server,
 * {@code command-signing.pem} to verify the platform's commands.
 */
public final class DeviceEnrollment {

    private final Pki pki;
    private final DeviceRegistry registry;
    private final AuditLog audit;

    public DeviceEnrollment(Pki pki, DeviceRegistry registry, AuditLog audit) {
        this.pki = pki;
        this.registry = registry;
        this.audit = audit;
    }

    /** The files written for one device. */
    public record Bundle(Path key, Path certificate, Path pkcs12, Path pkcs12Password, Path ca, Device device) {
    }

    /** A device's credentials made on the host, in memory: what the admin API hands to its caller, once. */
    public record Issued(Device device, String keyPem, String chainPem, byte[] pkcs12, String pkcs12Password, String caPem,
                         String commandCertPem) {
        @Override
        public String toString() {
            return "Issued[" + device + "]";
        }
    }

    private record Made(KeyPair keys, List<X509Certificate> chain, Device device) {
    }

    public Bundle createWithHostKey(String id, Path outDir, Duration validity, String actor) {
        Made made = make(id, validity, actor, Map.of());
        KeyPair keys = made.keys();
        Device device = made.device();
        List<X509Certificate> chain = made.chain();
        Bundle b = new Bundle(outDir.resolve(id + ".key"), outDir.resolve(id + ".pem"), outDir.resolve(id + ".p12"),
                outDir.resolve(id + ".p12.password"), outDir.resolve("ca.pem"), device);
        Pem.writePrivateKey(b.key(), keys.getPrivate());
        Pem.writeCertificates(b.certificate(), chain);
        String password = SecretFiles.newPassword();
        KeyStores.writeKeyStore(b.pkcs12(), password.toCharArray(), keys.getPrivate(), chain);
        try {
            SecretFiles.writeOwnerOnly(b.pkcs12Password(), (password + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            throw new io.deviceguard.config.ConfigException("cannot write " + b.pkcs12Password() + ": " + e.getMessage(), e);
        }
        Pem.writeCertificates(b.ca(), List.of(pki.rootCa()));
        // the device verifies every command it receives against this certificate
        Pem.writeCertificates(outDir.resolve(Pki.COMMAND_CERT), List.of(pki.commandCertificate()));
        return b;
    }

    /**
     * Like {@link #createWithHostKey} but writes nothing to disk: the key, the chain, a PKCS#12 with its password and
     * the root CA are returned. {@code auditDetails} are added to the device's audit row (the API's request ID).
     */
    public Issued issueWithHostKey(String id, Duration validity, String actor, Map<String, Object> auditDetails) {
        Made made = make(id, validity, actor, auditDetails);
        String password = SecretFiles.newPassword();
        byte[] p12 = KeyStores.toPkcs12(password.toCharArray(), made.keys().getPrivate(), made.chain());
        try {
            return new Issued(made.device(), Pem.encode(new JcaPKCS8Generator(made.keys().getPrivate(), null)),
                    Pem.encode(made.chain().toArray()), p12, password, Pem.encode(pki.rootCa()),
                    Pem.encode(pki.commandCertificate()));
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("cannot encode the private key of " + id, e);
        }
    }

    private Made make(String id, Duration validity, String actor, Map<String, Object> auditDetails) {
        DeviceId.require(id);
        if (registry.find(id).isPresent()) {
            throw new DeviceRegistry.DuplicateDeviceException(id);
        }
        KeyPair keys = Certificates.newEcKeyPair();
        X509Certificate cert = pki.deviceIssuer().issue(id, keys.getPublic(), validity, CertificateIssuer.Profile.CLIENT, List.of());
        Device device = registry.register(id, cert);
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.DEVICE, "create")
                .actor(AuditEvent.ActorType.USER, actor)
                .target(id)
                .detail("fingerprint", device.certFingerprint())
                .detail("serial", device.certSerial())
                .detail("notAfter", device.notAfter().toString())
                .detail("keyOrigin", "host");
        auditDetails.forEach(row::detail);
        audit.recordAndWait(row.build());
        return new Made(keys, List.of(cert, pki.deviceCa()), device);
    }
}
