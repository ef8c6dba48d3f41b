package io.deviceguard.sdk;

import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import java.security.KeyPair;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** What a device does to ask for a certificate: a PKCS#10 request for its ID, signed with its own new key. */
public final class Csr {

    private Csr() {
    }

    /** A PEM CSR for {@code commonName} over {@code keys} (EC: SHA256withECDSA, RSA: SHA256withRSA, Ed25519). */
    public static String create(KeyPair keys, String commonName) {
        Certificates.bouncyCastle();
        String alg = switch (keys.getPrivate().getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> "SHA256withECDSA";
        };
        try {
            return Pem.encode(new JcaPKCS10CertificationRequestBuilder(CertificateIssuer.subject(commonName), keys.getPublic())
                    .build(new JcaContentSignerBuilder(alg).setProvider(Certificates.bouncyCastle()).build(keys.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with " + alg, e);
        }
    }
}
