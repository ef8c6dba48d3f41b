package io.deviceguard.integrity;

import com.nimbusds.jose.CriticalHeaderParamsAware;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.impl.CriticalHeaderParamsDeferral;
import com.nimbusds.jose.crypto.impl.EdDSAProvider;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * Verifies EdDSA (Ed25519) JWS signatures through the JCA, so they run on the first provider that has Ed25519: ACCP
 * where its native library loads, else the JDK's SunEC. nimbus's own {@code Ed25519Verifier} runs Tink's Ed25519 in
 * Java, at about a fifth of ACCP's rate on the reference machine ({@code ./deviceguard bench verify}): the signature
 * step of an EdDSA device cost four times an ES256 device's.
 * <p>
 * The contract is nimbus's: a header whose alg is not EdDSA is an error, a header with critical parameters fails
 * (none are understood or deferred), and a signature that is not 64 bytes or does not verify is a failed verification.
 */
public final class JcaEd25519Verifier extends EdDSAProvider implements JWSVerifier, CriticalHeaderParamsAware {

    private static final int SIGNATURE_BYTES = 64;

    private final CriticalHeaderParamsDeferral critical = new CriticalHeaderParamsDeferral();
    private final PublicKey key;

    /** {@code ed25519}: an Ed25519 public key from any provider (a certificate's); Ed448 and other keys are refused. */
    public JcaEd25519Verifier(PublicKey ed25519) throws JOSEException {
        try {
            // the first provider's own key object: its Signature takes it without a conversion at every verify
            key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(ed25519.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new JOSEException("not an Ed25519 public key (" + ed25519.getAlgorithm() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
            throw new JOSEException("an Ed25519 key verifies alg EdDSA only, not " + header.getAlgorithm());
        }
        if (!critical.headerPasses(header)) {
            return false;
        }
        byte[] sig = signature.decode();
        if (sig.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(key);
            v.update(signingInput);
            return v.verify(sig);
        } catch (SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 verification is not available: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<String> getProcessedCriticalHeaderParams() {
        return critical.getProcessedCriticalHeaderParams();
    }

    @Override
    public Set<String> getDeferredCriticalHeaderParams() {
        return critical.getDeferredCriticalHeaderParams();
    }
}
