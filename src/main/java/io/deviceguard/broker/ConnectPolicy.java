package io.deviceguard.broker;

import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.pki.Certificates;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides who a connecting client is, from its certificate chain and MQTT client ID. TLS has already checked the
 * chain; this checks it again (defence in depth, and it tells device from service), then binds the certificate to
 * the registry: the CN must be a registered ACTIVE device whose registered certificate is this one, and the client
 * ID must equal the CN.
 */
public final class ConnectPolicy {

    /** Client IDs of the platform's own MQTT clients start with this. */
    public static final String SERVICE_CLIENT_PREFIX = "_deviceguard-";

    private final X509Certificate deviceCa;
    private final String serviceFingerprint;
    private final DeviceRegistry registry;

    public ConnectPolicy(X509Certificate deviceCa, X509Certificate serviceCert, DeviceRegistry registry) {
        this.deviceCa = deviceCa;
        this.serviceFingerprint = Certificates.fingerprint(serviceCert);
        this.registry = registry;
    }

    /** The outcome: an identity, or a refusal with its reason; {@code subject} names the certificate for the audit. */
    public record Decision(Identity identity, RefusalReason refusal, String subject) {
        static Decision allow(Identity i, String subject) {
            return new Decision(i, null, subject);
        }

        static Decision refuse(RefusalReason r, String subject) {
            return new Decision(null, r, subject);
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
        if (cn.isEmpty()) {
            return Decision.refuse(RefusalReason.NO_COMMON_NAME, subject);
        }
        String id = cn.get();
        if (!DeviceId.isValid(id)) {
            return Decision.refuse(RefusalReason.INVALID_DEVICE_ID, subject);
        }
        Optional<Device> device;
        try {
            device = registry.find(id);
        } catch (DeviceRegistry.RegistryException | io.deviceguard.store.StoreUnavailableException e) {
            return Decision.refuse(RefusalReason.REGISTRY_UNAVAILABLE, subject);
        }
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
        if (!device.get().certFingerprint().equals(Certificates.fingerprint(leaf))) {
            return Decision.refuse(RefusalReason.CERTIFICATE_NOT_REGISTERED, subject);
        }
        if (!id.equals(clientId)) {
            return Decision.refuse(RefusalReason.CLIENT_ID_MISMATCH, subject);
        }
        return Decision.allow(Identity.device(id), subject);
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
