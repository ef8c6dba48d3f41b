package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Csrs;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Field association of devices that got no key in the factory. A logged-in operator opens a one-time enrollment for
 * a device ID; the platform issues a claim certificate (CN {@code claim:ENROLLMENT_ID}, valid for the TTL) whose only
 * rights are {@code provisioning/{enrollmentId}/csr} (publish) and {@code .../certificate} (subscribe). The device
 * sends one CSR (CN = the enrolled ID) made with its own new key; the first CSR burns the claim whatever its
 * outcome, so a claim can never be used twice. Every step is audited, naming the operator who opened it.
 */
public final class FieldEnrollment {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the operator hands to the device: the claim's key and certificate, and the CA that signs the server. */
    public record Opened(Enrollments.Enrollment enrollment, String claimKeyPem, String claimCertificatePem, String caPem) {
        @Override
        public String toString() {
            return "Opened[" + enrollment.id() + "]";
        }
    }

    /** The answer to a CSR: the chain (PEM) when issued, else a refusal code and message. */
    public record Outcome(String chainPem, String refusal, String message) {
        public boolean issued() {
            return chainPem != null;
        }

        /** What the device reads on its reply topic. */
        public String reply() {
            return issued() ? chainPem : "error: " + refusal + ": " + message;
        }
    }

    private final Pki pki;
    private final DeviceRegistry registry;
    private final Enrollments enrollments;
    private final AuditLog audit;
    private final Duration deviceValidity;

    private final io.deviceguard.pki.DeviceKeyPolicy keys;

    public FieldEnrollment(Pki pki, DeviceRegistry registry, Enrollments enrollments, AuditLog audit, Duration deviceValidity,
                           io.deviceguard.pki.DeviceKeyPolicy keys) {
        this.keys = keys;
        this.pki = pki;
        this.registry = registry;
        this.enrollments = enrollments;
        this.audit = audit;
        this.deviceValidity = deviceValidity;
    }

    public Opened open(String deviceId, Duration ttl, String actor, Map<String, Object> auditDetails) {
        DeviceId.require(deviceId);
        if (registry.find(deviceId).isPresent()) {
            throw new DeviceRegistry.DuplicateDeviceException(deviceId);
        }
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        Instant now = Instant.now();
        Instant expires = now.plus(ttl);
        KeyPair keys = Certificates.newEcKeyPair();
        X509Certificate claim = pki.deviceIssuer().issue(CertificateIssuer.subject("claim:" + id), keys.getPublic(),
                now.minusSeconds(60), ttl.plusSeconds(60), CertificateIssuer.Profile.CLIENT, List.of());
        Enrollments.Enrollment e = new Enrollments.Enrollment(id, deviceId, Certificates.fingerprint(claim),
                Enrollments.Status.OPEN, actor, now, expires, null, null);
        enrollments.open(e);
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.PROVISIONING, "enrollment-create")
                .actor(AuditEvent.ActorType.USER, actor).target(deviceId).detail("enrollmentId", id)
                .detail("expiresAt", expires.toString()).detail("claimFingerprint", e.claimFingerprint());
        auditDetails.forEach(row::detail);
        audit.recordAndWait(row.build());
        try {
            return new Opened(e, Pem.encode(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null)),
                    Pem.encode(claim, pki.deviceCa()), Pem.encode(pki.rootCa()));
        } catch (org.bouncycastle.util.io.pem.PemGenerationException ex) {
            throw new IllegalStateException("cannot encode the claim key", ex);
        }
    }

    /** A CSR arrived on {@code provisioning/{enrollmentId}/csr}, published by {@code publisher} (the broker's stamp). */
    public Outcome handleCsr(String enrollmentId, String publisher, String csrPem) {
        Optional<Enrollments.Enrollment> found = enrollments.find(enrollmentId);
        if (found.isEmpty()) {
            return refuse(null, enrollmentId, publisher, "unknown_enrollment", "no such enrollment", false);
        }
        Enrollments.Enrollment e = found.get();
        if (!("claim:" + enrollmentId).equals(publisher)) {
            return refuse(e, enrollmentId, publisher, "publisher_mismatch",
                    "the CSR was not published by this enrollment's claim", false);
        }
        if (e.status() != Enrollments.Status.OPEN) {
            return refuse(e, enrollmentId, publisher, "claim_used", "the claim was used already (" + e.status().name().toLowerCase()
                    + ")", false);
        }
        if (e.expired(Instant.now())) {
            return refuse(e, enrollmentId, publisher, "claim_expired", "the claim expired at " + e.expiresAt(), true);
        }
        Csrs.Checked csr;
        try {
            csr = Csrs.check(csrPem);
            keys.require(csr.publicKey());
        } catch (Csrs.Refused r) {
            return refuse(e, enrollmentId, publisher, r.code(), r.getMessage(), true);
        }
        if (!csr.commonName().equals(e.deviceId())) {
            return refuse(e, enrollmentId, publisher, "cn_mismatch", "the CSR is for '" + DeviceId.printable(csr.commonName())
                    + "', the enrollment for " + e.deviceId(), true);
        }
        if (!enrollments.burn(enrollmentId, Enrollments.Status.USED, "issued")) {
            return refuse(e, enrollmentId, publisher, "claim_used", "the claim was used already", false);
        }
        X509Certificate cert = pki.deviceIssuer().issue(e.deviceId(), csr.publicKey(), deviceValidity,
                CertificateIssuer.Profile.CLIENT, List.of());
        Device d;
        try {
            d = registry.register(e.deviceId(), cert);
        } catch (DeviceRegistry.DuplicateDeviceException ex) {
            return refuse(e, enrollmentId, publisher, "duplicate", "device " + e.deviceId() + " was registered meanwhile", false);
        }
        audit.recordAndWait(AuditEvent.of(AuditCategory.PROVISIONING, "enrollment-complete")
                .actor(AuditEvent.ActorType.DEVICE, e.deviceId()).target(e.deviceId())
                .detail("enrollmentId", enrollmentId).detail("enrolledBy", e.createdBy())
                .detail("fingerprint", d.certFingerprint()).detail("serial", d.certSerial()).detail("keyOrigin", "device")
                .build());
        return new Outcome(Pem.encode(cert, pki.deviceCa()), null, null);
    }

    private Outcome refuse(Enrollments.Enrollment e, String enrollmentId, String publisher, String code, String message,
                           boolean burn) {
        if (burn && e != null) {
            enrollments.burn(enrollmentId, Enrollments.Status.REFUSED, code);
        }
        audit.recordAndWait(AuditEvent.of(AuditCategory.PROVISIONING, "enrollment-csr")
                .actor(AuditEvent.ActorType.DEVICE, publisher == null ? "(unknown)" : publisher).denied()
                .target(e == null ? DeviceId.printable(enrollmentId) : e.deviceId())
                .detail("enrollmentId", DeviceId.printable(enrollmentId)).detail("reason", code).detail("message", message)
                .detail("enrolledBy", e == null ? "(none)" : e.createdBy()).detail("claimBurnt", burn && e != null).build());
        return new Outcome(null, code, message);
    }
}
