package io.deviceguard.pki;

import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Optional;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Certificate signing requests as the platform accepts them: PEM PKCS#10, self-signature valid, a strong key
 * (RSA of 2048 bits or more, EC P-256 or P-384, Ed25519) and a subject with exactly one CN. Each refusal has its
 * own code, used in import reports, provisioning replies and audit rows.
 */
public final class Csrs {

    private Csrs() {
    }

    /** A refused CSR or certificate: {@code code} is stable (audit, API), the message is for people. */
    public static final class Refused extends RuntimeException {
        private final String code;

        public Refused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** A checked CSR: its single CN and its public key. */
    public record Checked(String commonName, PublicKey publicKey) {
    }

    /** Parses and checks a PEM CSR; the CN is returned, not compared (callers know what it must be). */
    public static Checked check(String pem) {
        Certificates.bouncyCastle();
        JcaPKCS10CertificationRequest csr;
        try (PEMParser p = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o = p.readObject();
            if (!(o instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest r)) {
                throw new Refused("csr_unreadable", "not a PEM certificate signing request");
            }
            csr = new JcaPKCS10CertificationRequest(r).setProvider("BC");
        } catch (IOException | RuntimeException e) {
            if (e instanceof Refused r) {
                throw r;
            }
            throw new Refused("csr_unreadable", "not a readable PEM certificate signing request");
        }
        PublicKey key;
        try {
            key = csr.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC").build(key))) {
                throw new Refused("csr_signature_invalid", "the CSR's signature does not verify with its own key");
            }
        } catch (PKCSException | OperatorCreationException | java.security.GeneralSecurityException e) {
            throw new Refused("csr_signature_invalid", "the CSR's signature cannot be verified: " + e.getMessage());
        }
        requireStrongKey(key);
        String cn = commonName(csr.getSubject()).orElseThrow(() ->
                new Refused("cn_mismatch", "the CSR subject has no single CN"));
        return new Checked(cn, key);
    }

    /** RSA of at least 2048 bits, EC on P-256 or P-384, or Ed25519; anything else is {@code weak_key}. */
    public static void requireStrongKey(PublicKey key) {
        String alg = key.getAlgorithm();
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new Refused("weak_key", "RSA key of " + rsa.getModulus().bitLength() + " bits (at least 2048)");
            }
            return;
        }
        if (key instanceof ECPublicKey ec) {
            String curve = curveName(ec);
            if (!"P-256".equals(curve) && !"P-384".equals(curve)) {
                throw new Refused("weak_key", "EC key on curve " + curve + " (P-256 or P-384 only)");
            }
            return;
        }
        if (isEd25519(key)) {
            return;
        }
        throw new Refused("weak_key", alg + " key (RSA >= 2048, EC P-256/P-384 or Ed25519 only)");
    }

    /** An Ed25519 key from any provider (SunEC names it EdDSA, of either curve: Ed25519's X.509 form is 44 bytes). */
    static boolean isEd25519(PublicKey key) {
        String alg = key.getAlgorithm();
        return "Ed25519".equals(alg) || "EdDSA".equals(alg) && key.getEncoded().length == 44;
    }

    private static String curveName(ECPublicKey ec) {
        int bits = ec.getParams().getCurve().getField().getFieldSize();
        for (String name : new String[] {"P-256", "P-384"}) {
            var spec = ECNamedCurveTable.getByName(name);
            if (spec != null && spec.getCurve().getFieldSize() == bits
                    && spec.getCurve().getA().toBigInteger().equals(ec.getParams().getCurve().getA())
                    && spec.getN().equals(ec.getParams().getOrder())) {
                return name;
            }
        }
        return bits + "-bit";
    }

    /** The certificate's key, checked as a CSR's would be. */
    public static void requireStrongKey(X509Certificate cert) {
        requireStrongKey(cert.getPublicKey());
    }

    static Optional<String> commonName(X500Name name) {
        RDN[] cns = name.getRDNs(BCStyle.CN);
        if (cns.length != 1 || cns[0].isMultiValued()) {
            return Optional.empty();
        }
        return Optional.of(IETFUtils.valueToString(cns[0].getFirst().getValue()));
    }

}
