package io.deviceguard.integrity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import io.deviceguard.device.Device;
import io.deviceguard.pki.Pem;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;

/**
 * Signature verifiers of registered devices, built from the registered certificate and cached by its fingerprint:
 * a rotated or re-registered certificate has a new fingerprint, so a stale key is never used.
 */
public final class DeviceKeys {

    /** A verifier and the one algorithm it accepts. */
    public record Key(JWSAlgorithm algorithm, JWSVerifier verifier) {
    }

    private final Cache<String, Key> byFingerprint = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofHours(1))
            .build();

    public Key forDevice(Device device) {
        if (device.certificatePem() == null) {
            throw new IntegrityViolation(Reason.NO_REGISTERED_KEY, "the registry holds no certificate for " + device.id());
        }
        return forCertificate(device.certFingerprint(), device.certificatePem());
    }

    /** The verifier of one registered certificate (during a rotation overlap a device has two). */
    public Key forCertificate(String fingerprint, String pem) {
        return byFingerprint.get(fingerprint, fp -> build(pem));
    }

    private static Key build(String pem) {
        try {
            List<X509Certificate> certs = Pem.parseCertificates(pem);
            PublicKey pk = certs.get(0).getPublicKey();
            if (pk instanceof ECPublicKey ec) {
                if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                    throw new IntegrityViolation(Reason.NO_REGISTERED_KEY, "ES256 needs a P-256 key");
                }
                return new Key(JWSAlgorithm.ES256, new ECDSAVerifier(ec));
            }
            if ("Ed25519".equals(pk.getAlgorithm()) || "EdDSA".equals(pk.getAlgorithm())) {
                // through the JCA (ACCP first), not nimbus's Tink-based verifier: see JcaEd25519Verifier
                return new Key(JWSAlgorithm.EdDSA, new JcaEd25519Verifier(pk));
            }
            throw new IntegrityViolation(Reason.NO_REGISTERED_KEY, "unsupported key type " + pk.getAlgorithm());
        } catch (JOSEException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IntegrityViolation(Reason.NO_REGISTERED_KEY, e.getMessage());
        }
    }
}
