package io.deviceguard.pki;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificate revocation lists of the device CA (RFC 5280), built with Bouncy Castle. */
public final class Crls {

    /** One revoked certificate: its serial (hex), when, and whether it was superseded (rotation) or compromised. */
    public record Entry(String serialHex, Instant revokedAt, boolean superseded) {
    }

    private Crls() {
    }

    /** A CRL signed by {@code caKey}, valid for {@code validity}; {@code number} must grow with every CRL issued. */
    public static X509CRL build(X509Certificate ca, PrivateKey caKey, List<Entry> entries, Instant thisUpdate,
                                Duration validity, BigInteger number) {
        Certificates.bouncyCastle();
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    Date.from(thisUpdate));
            b.setNextUpdate(Date.from(thisUpdate.plus(validity)));
            for (Entry e : entries) {
                b.addCRLEntry(new BigInteger(e.serialHex(), 16), Date.from(e.revokedAt()),
                        e.superseded() ? CRLReason.superseded : CRLReason.unspecified);
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca));
            b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(number));
            String alg = switch (caKey.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                default -> "SHA256withECDSA";
            };
            return new JcaX509CRLConverter().setProvider("BC")
                    .getCRL(b.build(new JcaContentSignerBuilder(alg).build(caKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the CRL: " + e.getMessage(), e);
        }
    }
}
