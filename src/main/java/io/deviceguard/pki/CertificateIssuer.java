package io.deviceguard.pki;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues X.509 certificates with Bouncy Castle. Subject names are built in one fixed order, O then CN (Java prints
 * them reversed, "CN=..., O=..."); every certificate carries key identifiers, key usage and, for leaves, the
 * extended key usage of its role, so a device certificate can never serve as a server or CA certificate.
 */
public final class CertificateIssuer {

    public static final String ORGANIZATION = "deviceguard";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a certificate is for; decides its extensions. */
    public enum Profile { CA, SERVER, CLIENT, SIGNING }

    private final X509Certificate issuerCert;
    private final PrivateKey issuerKey;

    /** An issuer for certificates signed by {@code issuerCert}'s key; null for self-signed roots. */
    public CertificateIssuer(X509Certificate issuerCert, PrivateKey issuerKey) {
        this.issuerCert = issuerCert;
        this.issuerKey = issuerKey;
        Certificates.bouncyCastle();
    }

    public static X500Name subject(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ORGANIZATION)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    public static X509Certificate selfSignedCa(String commonName, java.security.KeyPair keys, Duration validity) {
        return build(subject(commonName), subject(commonName), keys.getPublic(), keys.getPrivate(), null,
                keys.getPublic(), validity, Profile.CA, List.of());
    }

    public X509Certificate issue(String commonName, PublicKey subjectKey, Duration validity, Profile profile, List<String> sans) {
        return issue(subject(commonName), subjectKey, Instant.now().minusSeconds(60), validity, profile, sans);
    }

    /** Full control of the validity window: tests make expired and not-yet-valid certificates with it. */
    public X509Certificate issue(X500Name subject, PublicKey subjectKey, Instant notBefore, Duration validity,
                                 Profile profile, List<String> sans) {
        X500Name issuer = X500Name.getInstance(issuerCert.getSubjectX500Principal().getEncoded());
        return build(issuer, subject, subjectKey, issuerKey, issuerCert, issuerCert.getPublicKey(),
                notBefore, validity, profile, sans);
    }

    private static X509Certificate build(X500Name issuer, X500Name subject, PublicKey subjectKey, PrivateKey signingKey,
                                         X509Certificate issuerCert, PublicKey issuerPublicKey, Duration validity,
                                         Profile profile, List<String> sans) {
        return build(issuer, subject, subjectKey, signingKey, issuerCert, issuerPublicKey,
                Instant.now().minusSeconds(60), validity, profile, sans);
    }

    private static X509Certificate build(X500Name issuer, X500Name subject, PublicKey subjectKey, PrivateKey signingKey,
                                         X509Certificate issuerCert, PublicKey issuerPublicKey, Instant notBefore,
                                         Duration validity, Profile profile, List<String> sans) {
        try {
            BigInteger serial = new BigInteger(159, RANDOM).add(BigInteger.ONE);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial,
                    Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, subjectKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                    ? ext.createAuthorityKeyIdentifier(issuerPublicKey)
                    : ext.createAuthorityKeyIdentifier(issuerCert));
            switch (profile) {
                case CA -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                }
                case SERVER -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                    b.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(sans));
                }
                case CLIENT -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                }
                case SIGNING -> {
                    // signs data (audit checkpoints), never a TLS peer: digitalSignature + nonRepudiation, no EKU for TLS
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
                }
                default -> throw new IllegalArgumentException("unknown profile " + profile);
            }
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(signingKey)).build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("certificate issuance failed for " + subject + ": " + e.getMessage(), e);
        }
    }

    private static GeneralNames subjectAltNames(List<String> sans) {
        GeneralName[] names = sans.stream()
                .map(s -> s.matches("[0-9.]+|.*:.*") ? new GeneralName(GeneralName.iPAddress, s) : new GeneralName(GeneralName.dNSName, s))
                .toArray(GeneralName[]::new);
        return new GeneralNames(names);
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("unsupported CA key algorithm " + key.getAlgorithm());
        };
    }
}
