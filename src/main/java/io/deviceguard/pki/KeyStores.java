package io.deviceguard.pki;

import io.deviceguard.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** PKCS#12 key and trust stores, and the client SSLContext built from them. */
public final class KeyStores {

    public static final String KEY_ALIAS = "key";

    private KeyStores() {
    }

    public static void writeKeyStore(Path file, char[] password, PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(KEY_ALIAS, key, password, chain.toArray(new Certificate[0]));
            store(file, ks, password);
        } catch (Exception e) {
            throw new ConfigException("cannot write key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** The PKCS#12 bytes of a key and its chain, for handing over without writing them to this host's disk. */
    public static byte[] toPkcs12(char[] password, PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(KEY_ALIAS, key, password, chain.toArray(new Certificate[0]));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ks.store(out, password);
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode a PKCS#12 key store: " + e.getMessage(), e);
        }
    }

    public static void writeTrustStore(Path file, char[] password, List<X509Certificate> anchors) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                ks.setCertificateEntry("ca-" + i, anchors.get(i));
            }
            store(file, ks, password);
        } catch (Exception e) {
            throw new ConfigException("cannot write trust store " + file + ": " + e.getMessage(), e);
        }
    }

    private static void store(Path file, KeyStore ks, char[] password) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ks.store(out, password);
        Files.createDirectories(file.toAbsolutePath().getParent());
        SecretFiles.writeOwnerOnly(file, out.toByteArray());
    }

    public static KeyStore load(Path file, char[] password) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("key store " + file + " is missing");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            return ks;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new ConfigException("cannot open key store " + file + " (wrong password or not PKCS#12): " + e.getMessage(), e);
        }
    }

    /** A TLS client context: our key store for the client certificate, the trust store for the server's chain. */
    public static SSLContext clientContext(KeyStore keyStore, char[] keyPassword, KeyStore trustStore) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, keyPassword);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new ConfigException("cannot build a TLS client context: " + e.getMessage(), e);
        }
    }
}
