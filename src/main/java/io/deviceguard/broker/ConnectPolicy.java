package io.deviceguard.broker;

import io.deviceguard.device.CertificateStore;
import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceCertificate;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.device.Enrollments;
import io.deviceguard.pki.Certificates;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides who a connecting client is, from its certificate chain and MQTT client ID. TLS has already checked the
 * chain; this checks it again (defence in depth, and it tells device from service), then binds the certificate to
 * the registry: the CN must be a registered ACTIVE device, this certificate one of its ACTIVE certificates (the
 * current one, or the previous one during a rotation's overlap window), and the client ID must equal the CN. The
 * device CA must not be distrusted. A claim certificate (CN {@code claim:ENROLLMENT_ID}) is admitted only while its
 * enrollment is OPEN and unexpired, with that CN as client ID.
 */
public final class ConnectPolicy {

    /** Client IDs of the platform's own MQTT clients start with this. */
    public static final String SERVICE_CLIENT_PREFIX = "_deviceguard-";

    private final X509Certificate deviceCa;
    private final String serviceFingerprint;
    private final String deviceCaFingerprint;
    private final DeviceRegistry registry;
    private final CertificateStore certificates;
    private final Enrollments enrollments;

    public ConnectPolicy(X509Certificate deviceCa, X509Certificate serviceCert, DeviceRegistry registry,
                         CertificateStore certificates, Enrollments enrollments) {
        this.deviceCa = deviceCa;
        this.deviceCaFingerprint = Certificates.fingerprint(deviceCa);
        this.serviceFingerprint = Certificates.fingerprint(serviceCert);
        this.registry = registry;
        this.certificates = certificates;
        this.enrollments = enrollments;
    }

    /** The outcome: an identity, or a refusal with its reason; {@code subject} names the certificate for the audit. */
    public record Decision(Identity identity, RefusalReason refusal, String subject, String fingerprint) {
        static Decision allow(Identity i, String subject) {
            return new Decision(i, null, subject, null);
        }

        static Decision refuse(RefusalReason r, String subject) {
            return new Decision(null, r, subject, null);
        }

        Decision withFingerprint(String fp) {
            return new Decision(identity, refusal, subject, fp);
        }

        public boolean allowed() {
            return identity != null;
        }
    }

    public Decision decide(X509Certificate[] chain, String clientId, Instant now) {
        if (chain == null || chain.length == 0 || chain[0] == null) {
            return Decision.refuse(RefusalReason.NO_CLIENT_CERTIFICATE, null);
        }
        X509Certificate leaf = chain[0];
        Optional<String> cn = Certificates.commonName(leaf);
        String subject = cn.map(DeviceId::printable).orElse(leaf.getSubjectX500Principal().getName());
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            return Decision.refuse(RefusalReason.CERTIFICATE_EXPIRED, subject);
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return Decision.refuse(RefusalReason.CERTIFICATE_NOT_YET_VALID, subject);
        }
        if (serviceFingerprint.equals(Certificates.fingerprint(leaf))) {
            // the routes use client IDs no device can have ('_' is not a device ID's first character)
            return clientId != null && clientId.startsWith(SERVICE_CLIENT_PREFIX)
                    ? Decision.allow(Identity.service(subject), subject)
                    : Decision.refuse(RefusalReason.CLIENT_ID_MISMATCH, subject);
        }
        if (!issuedByDeviceCa(leaf)) {
            return Decision.refuse(RefusalReason.UNTRUSTED_ISSUER, subject);
        }
        String fingerprint = Certificates.fingerprint(leaf);
        try {
            if (certificates.distrusted(deviceCaFingerprint)) {
                return Decision.refuse(RefusalReason.CA_DISTRUSTED, subject);
            }
            if (cn.isEmpty()) {
                return Decision.refuse(RefusalReason.NO_COMMON_NAME, subject);
            }
            if (cn.get().startsWith(Identity.CLAIM_PREFIX)) {
                return claim(cn.get(), fingerprint, clientId, now, subject);
            }
            return device(cn.get(), fingerprint, clientId, now, subject).withFingerprint(fingerprint);
        } catch (DeviceRegistry.RegistryException | io.deviceguard.store.StoreUnavailableException e) {
            return Decision.refuse(RefusalReason.REGISTRY_UNAVAILABLE, subject);
        }
    }

    private Decision device(String id, String fingerprint, String clientId, Instant now, String subject) {
        if (!DeviceId.isValid(id)) {
            return Decision.refuse(RefusalReason.INVALID_DEVICE_ID, subject);
        }
        Optional<Device> device = registry.find(id);
        if (device.isEmpty()) {
            return Decision.refuse(RefusalReason.UNREGISTERED_DEVICE, subject);
        }
        switch (device.get().status()) {
            case SUSPENDED -> {
                return Decision.refuse(RefusalReason.DEVICE_SUSPENDED, subject);
            }
            case REVOKED -> {
                return Decision.refuse(RefusalReason.DEVICE_REVOKED, subject);
            }
            default -> {
                // ACTIVE: go on
            }
        }
        Optional<DeviceCertificate> cert = certificates.find(fingerprint);
        if (cert.isPresent() && cert.get().deviceId().equals(id)) {
            DeviceCertificate c = cert.get();
            if (!c.active()) {
                return Decision.refuse(RefusalReason.CERTIFICATE_REVOKED, subject);
            }
            if (c.supersededUntil() != null && !now.isBefore(c.supersededUntil())) {
                return Decision.refuse(RefusalReason.CERTIFICATE_SUPERSEDED, subject);
            }
        } else if (!device.get().certFingerprint().equals(fingerprint)) {
            return Decision.refuse(RefusalReason.CERTIFICATE_NOT_REGISTERED, subject);
        }
        if (!id.equals(clientId)) {
            return Decision.refuse(RefusalReason.CLIENT_ID_MISMATCH, subject);
        }
        return Decision.allow(Identity.device(id), subject);
    }

    private Decision claim(String cn, String fingerprint, String clientId, Instant now, String subject) {
        Optional<Enrollments.Enrollment> e = enrollments.byClaim(fingerprint);
        if (e.isEmpty() || !cn.equals(Identity.CLAIM_PREFIX + e.get().id())) {
            return Decision.refuse(RefusalReason.UNKNOWN_CLAIM, subject);
        }
        if (e.get().status() != Enrollments.Status.OPEN) {
            return Decision.refuse(RefusalReason.CLAIM_USED, subject);
        }
        if (e.get().expired(now)) {
            return Decision.refuse(RefusalReason.CLAIM_EXPIRED, subject);
        }
        if (!cn.equals(clientId)) {
            return Decision.refuse(RefusalReason.CLIENT_ID_MISMATCH, subject);
        }
        return Decision.allow(Identity.claim(e.get().id()), subject);
    }

    private boolean issuedByDeviceCa(X509Certificate leaf) {
        if (!leaf.getIssuerX500Principal().equals(deviceCa.getSubjectX500Principal())) {
            return false;
        }
        try {
            leaf.verify(deviceCa.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
