package io.deviceguard.sdk;

import io.deviceguard.pki.Pem;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a device holds: its ID, its private key, its certificate chain and the CA that signs the server. The same
 * key authenticates the TLS connection and signs every message.
 */
public record DeviceIdentity(String id, PrivateKey key, List<X509Certificate> chain, X509Certificate serverCa) {

    /** Reads the files {@code device create} writes: {@code ID.key}, {@code ID.pem}, {@code ca.pem} in {@code dir}. */
    public static DeviceIdentity load(Path dir, String id) {
        return new DeviceIdentity(id, Pem.readPrivateKey(dir.resolve(id + ".key")), Pem.readCertificates(dir.resolve(id + ".pem")),
                Pem.readCertificate(dir.resolve("ca.pem")));
    }

    /** A TLS context presenting this device's certificate and trusting only its server CA. */
    public SSLContext tls() {
        try {
            char[] pw = "device".toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", key, pw, chain.toArray(new Certificate[0]));
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("server-ca", serverCa);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the TLS context of device " + id + ": " + e.getMessage(), e);
        }
    }
}
