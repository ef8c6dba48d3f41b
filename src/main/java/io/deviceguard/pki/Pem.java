package io.deviceguard.pki;

import io.deviceguard.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM reading and writing (Bouncy Castle). A file that is not what it should be is a ConfigException naming it. */
public final class Pem {

    private Pem() {
    }

    public static String encode(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return out.toString();
    }

    public static void writeCertificates(Path file, List<X509Certificate> chain) {
        write(file, encode(chain.toArray()), false);
    }

    public static void writePrivateKey(Path file, PrivateKey key) {
        // PKCS#8, unencrypted, readable by the owner only: mosquitto, OpenSSL and Java all read it
        try {
            write(file, encode(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null)), true);
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("cannot encode private key for " + file, e);
        }
    }

    static void write(Path file, String content, boolean secret) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (secret) {
                SecretFiles.writeOwnerOnly(file, content.getBytes(StandardCharsets.US_ASCII));
            } else {
                Files.writeString(file, content, StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            throw new ConfigException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static X509Certificate readCertificate(Path file) {
        List<X509Certificate> certs = readCertificates(file);
        return certs.get(0);
    }

    public static List<X509Certificate> readCertificates(Path file) {
        String text = readText(file);
        List<X509Certificate> certs;
        try {
            certs = parseCertificates(text);
        } catch (IllegalArgumentException e) {
            // a damaged block (bad base64, cut short) must name the file, like a missing one
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new ConfigException(file + ": not a PEM certificate (no '-----BEGIN CERTIFICATE-----' block could be read)");
        }
        return certs;
    }

    /** Parses every CERTIFICATE block; anything unreadable is an IllegalArgumentException with the reason. */
    public static List<X509Certificate> parseCertificates(String text) {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable PEM certificate: " + e.getMessage(), e);
        }
        return certs;
    }

    public static PrivateKey readPrivateKey(Path file) {
        String text = readText(file);
        try (Reader r = new StringReader(text); PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new ConfigException(file + ": not a PEM private key (expected '-----BEGIN PRIVATE KEY-----')");
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(file + ": unreadable PEM private key: " + e.getMessage(), e);
        }
    }

    private static String readText(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + " is missing");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
