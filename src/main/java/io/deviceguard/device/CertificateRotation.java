package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Csrs;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Certificate rotation by the device itself, over its own authenticated session: a CSR (plain PEM) on
 * {@code devices/{id}/certificate/csr}, the new chain back on {@code devices/{id}/certificate}. The broker's ACL and
 * its publisher stamp bind the CSR to the device; the CSR must name the device and carry a new, strong key. Both
 * certificates work during the overlap window; the old one is revoked when the new one is first used or the window
 * ends ({@link DeviceLifecycle}).
 */
public final class CertificateRotation {

    private final Pki pki;
    private final DeviceRegistry registry;
    private final CertificateStore certificates;
    private final AuditLog audit;
    private final Duration validity;
    private final Duration overlap;

    private final io.deviceguard.pki.DeviceKeyPolicy keys;

    public CertificateRotation(Pki pki, DeviceRegistry registry, CertificateStore certificates, AuditLog audit,
                               Duration validity, Duration overlap, io.deviceguard.pki.DeviceKeyPolicy keys) {
        this.keys = keys;
        this.pki = pki;
        this.registry = registry;
        this.certificates = certificates;
        this.audit = audit;
        this.validity = validity;
        this.overlap = overlap;
    }

    public FieldEnrollment.Outcome handleCsr(String deviceId, String publisher, String csrPem) {
        if (!DeviceId.isValid(deviceId) || !deviceId.equals(publisher)) {
            return refuse(deviceId, publisher, "publisher_mismatch", "the CSR was not published by device " + DeviceId.printable(deviceId));
        }
        Optional<Device> d = registry.find(deviceId);
        if (d.isEmpty() || d.get().status() != DeviceStatus.ACTIVE) {
            return refuse(deviceId, publisher, "device_not_active", "device " + deviceId + " is not an ACTIVE device");
        }
        Csrs.Checked csr;
        try {
            csr = Csrs.check(csrPem);
            keys.require(csr.publicKey());
        } catch (Csrs.Refused r) {
            return refuse(deviceId, publisher, r.code(), r.getMessage());
        }
        if (!csr.commonName().equals(deviceId)) {
            return refuse(deviceId, publisher, "cn_mismatch", "the CSR is for '" + DeviceId.printable(csr.commonName()) + "'");
        }
        for (DeviceCertificate c : certificates.ofDevice(deviceId)) {
            if (Arrays.equals(Pem.parseCertificates(c.certificatePem()).get(0).getPublicKey().getEncoded(),
                    csr.publicKey().getEncoded())) {
                return refuse(deviceId, publisher, "key_reused", "a rotation needs a new key pair; this key was certified before");
            }
        }
        X509Certificate cert = pki.deviceIssuer().issue(deviceId, csr.publicKey(), validity, CertificateIssuer.Profile.CLIENT,
                List.of());
        Instant overlapUntil = Instant.now().plus(overlap);
        certificates.rotate(deviceId, cert, overlapUntil);
        audit.recordAndWait(AuditEvent.of(AuditCategory.PROVISIONING, "rotate").device(deviceId).target(deviceId)
                .detail("previousFingerprint", d.get().certFingerprint()).detail("fingerprint", Certificates.fingerprint(cert))
                .detail("serial", Certificates.serialHex(cert)).detail("overlapUntil", overlapUntil.toString()).build());
        return new FieldEnrollment.Outcome(Pem.encode(cert, pki.deviceCa()), null, null);
    }

    private FieldEnrollment.Outcome refuse(String deviceId, String publisher, String code, String message) {
        audit.recordAndWait(AuditEvent.of(AuditCategory.PROVISIONING, "rotate")
                .actor(AuditEvent.ActorType.DEVICE, publisher == null ? "(unknown)" : DeviceId.printable(publisher)).denied()
                .target(DeviceId.printable(deviceId)).detail("reason", code).detail("message", message).build());
        return new FieldEnrollment.Outcome(null, code, message);
    }
}
