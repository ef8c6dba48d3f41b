package io.deviceguard.testing;

import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;

/** Certificates a test needs beyond the platform's own: foreign, expired, not yet valid, unregistered. */
public final class TestCerts {

    private TestCerts() {
    }

    /** A key and chain written as PEM, for paho (via {@link #sslContext}) and mosquitto. */
    public record Credentials(String cn, Path key, Path certificate, Path ca) {
    }

    /** A certificate for {@code cn} from a CA the platform has never seen. */
    public static Credentials foreign(Path dir, String cn, Path serverCa) {
        KeyPair caKeys = Certificates.newEcKeyPair();
        X509Certificate ca = CertificateIssuer.selfSignedCa("Foreign CA", caKeys, Duration.ofDays(30));
        return issue(new CertificateIssuer(ca, caKeys.getPrivate()), ca, dir, cn, Instant.now().minusSeconds(60),
                Duration.ofDays(30), serverCa);
    }

    /** A certificate from the platform's own device CA with the given validity window. */
    public static Credentials fromDeviceCa(Pki pki, Path dir, String cn, Instant notBefore, Duration validity) {
        return issue(pki.deviceIssuer(), pki.deviceCa(), dir, cn, notBefore, validity, pki.file(Pki.ROOT_CA));
    }

    private static Credentials issue(CertificateIssuer issuer, X509Certificate issuerCert, Path dir, String cn,
                                     Instant notBefore, Duration validity, Path serverCa) {
        KeyPair keys = Certificates.newEcKeyPair();
        X509Certificate cert = issuer.issue(CertificateIssuer.subject(cn), keys.getPublic(), notBefore, validity,
                CertificateIssuer.Profile.CLIENT, List.of());
        Path key = dir.resolve(cn + "-" + System.nanoTime() + ".key");
        Path pem = dir.resolve(cn + "-" + System.nanoTime() + ".pem");
        Pem.writePrivateKey(key, keys.getPrivate());
        Pem.writeCertificates(pem, List.of(cert, issuerCert));
        return new Credentials(cn, key, pem, serverCa);
    }

    /** A TLS client context from PEM files; {@code key} null means no client certificate. */
    public static SSLContext sslContext(Path key, Path certificate, Path ca) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", Pem.readCertificate(ca));
            if (key == null) {
                KeyStore none = KeyStore.getInstance("PKCS12");
                none.load(null, null);
                return KeyStores.clientContext(none, new char[0], ts);
            }
            // present the certificate whatever CAs the server asks for, as an attacker's client would (the JDK's
            // key manager would otherwise send no certificate at all for a foreign CA)
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[] {new io.deviceguard.pki.FixedKeyManager(Pem.readPrivateKey(key),
                    Pem.readCertificates(certificate))}, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SSLContext sslContext(DeviceFiles d) {
        return sslContext(d.key(), d.certificate(), d.ca());
    }

    public static SSLContext sslContext(Credentials c) {
        return sslContext(c.key(), c.certificate(), c.ca());
    }
}
