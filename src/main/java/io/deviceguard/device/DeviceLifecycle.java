package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.Crls;
import io.deviceguard.pki.Pki;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Revocation, suspension and CA distrust, taking effect at once: the registry changes first (so the next CONNECT
 * is refused on every node), then the live sessions are closed, then the CRL is regenerated and the change audited.
 * Also retires the certificates a rotation superseded, when the new one is first used or the overlap ends.
 */
public final class DeviceLifecycle {

    /** What the lifecycle needs from the broker: closing live connections. */
    public interface LiveSessions {
        /** Closes the connections whose client ID is {@code clientId}; returns how many. */
        int disconnect(String clientId, String why);

        /** Closes the connections whose client certificate {@code ca} issued; returns how many. */
        int disconnectIssuedBy(X509Certificate ca, String why);
    }

    /** The outcome of a status change: the device now, the sessions closed, and how long closing them took. */
    public record Change(Device device, int sessionsClosed, long disconnectMicros) {
    }

    private final Pki pki;
    private final DeviceRegistry registry;
    private final CertificateStore certificates;
    private final AuditLog audit;
    private final LiveSessions sessions;

    public DeviceLifecycle(Pki pki, DeviceRegistry registry, CertificateStore certificates, AuditLog audit,
                           LiveSessions sessions) {
        this.pki = pki;
        this.registry = registry;
        this.certificates = certificates;
        this.audit = audit;
        this.sessions = sessions;
    }

    /** Permanent: the device and every certificate it holds are revoked; the CRL lists them. */
    public Change revoke(String id, String reason, String actor, Map<String, Object> details) {
        Device before = require(id);
        registry.setStatus(id, DeviceStatus.REVOKED);
        long t0 = System.nanoTime();
        int closed = sessions.disconnect(id, "revoked");
        long micros = (System.nanoTime() - t0) / 1_000;
        List<String> serials = certificates.revokeAll(id, "revoked: " + reason);
        X509CRL crl = publishCrl();
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.DEVICE, "revoke").actor(AuditEvent.ActorType.USER, actor)
                .target(id).detail("reason", reason).detail("previousStatus", before.status().name())
                .detail("serials", String.join(",", serials)).detail("sessionsClosed", closed)
                .detail("crlEntries", crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
        details.forEach(row::detail);
        audit.recordAndWait(row.build());
        return new Change(require(id), closed, micros);
    }

    /** Temporary: refused until {@link #resume}; its certificates stay valid (not in the CRL). */
    public Change suspend(String id, String actor, Map<String, Object> details) {
        Device before = require(id);
        if (before.status() == DeviceStatus.REVOKED) {
            throw new IllegalStateException("device " + id + " is revoked; a revoked device cannot be suspended");
        }
        registry.setStatus(id, DeviceStatus.SUSPENDED);
        long t0 = System.nanoTime();
        int closed = sessions.disconnect(id, "suspended");
        long micros = (System.nanoTime() - t0) / 1_000;
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.DEVICE, "suspend").actor(AuditEvent.ActorType.USER, actor)
                .target(id).detail("previousStatus", before.status().name()).detail("sessionsClosed", closed);
        details.forEach(row::detail);
        audit.recordAndWait(row.build());
        return new Change(require(id), closed, micros);
    }

    public Change resume(String id, String actor, Map<String, Object> details) {
        Device before = require(id);
        if (before.status() == DeviceStatus.REVOKED) {
            throw new IllegalStateException("device " + id + " is revoked; revocation is permanent");
        }
        registry.setStatus(id, DeviceStatus.ACTIVE);
        AuditEvent.Builder row = AuditEvent.of(AuditCategory.DEVICE, "resume").actor(AuditEvent.ActorType.USER, actor)
                .target(id).detail("previousStatus", before.status().name());
        details.forEach(row::detail);
        audit.recordAndWait(row.build());
        return new Change(require(id), 0, 0);
    }

    /** Distrusts a device CA: every device it issued is refused from now on and its live sessions are closed. */
    public int distrustCa(X509Certificate ca, String reason, String actor) {
        certificates.distrust(ca, reason, actor);
        int closed = sessions.disconnectIssuedBy(ca, "CA distrusted");
        audit.recordAndWait(AuditEvent.of(AuditCategory.DEVICE, "distrust-ca").actor(AuditEvent.ActorType.USER, actor)
                .target(ca.getSubjectX500Principal().getName())
                .detail("fingerprint", io.deviceguard.pki.Certificates.fingerprint(ca))
                .detail("reason", reason).detail("sessionsClosed", closed).build());
        return closed;
    }

    /**
     * A device connected with certificate {@code fingerprint}: if it is the device's current certificate, the ones
     * a rotation superseded are revoked now (the device has shown it holds the new key).
     */
    public void deviceConnected(String id, String fingerprint) {
        Device d = registry.find(id).orElse(null);
        if (d == null || !d.certFingerprint().equals(fingerprint)) {
            return;
        }
        boolean superseded = certificates.ofDevice(id).stream()
                .anyMatch(c -> c.active() && !c.fingerprint().equals(fingerprint));
        if (!superseded) {
            return;
        }
        List<String> serials = certificates.revokeOthers(id, fingerprint, "superseded");
        if (!serials.isEmpty()) {
            publishCrl();
            audit.record(AuditEvent.of(AuditCategory.PROVISIONING, "rotation-complete").device(id).target(id)
                    .detail("revokedSerials", String.join(",", serials)).detail("why", "new certificate first used")
                    .detail("fingerprint", fingerprint).build());
        }
    }

    /** Revokes superseded certificates whose overlap window has ended; run periodically. */
    public void sweepOverlaps(Instant now) {
        List<DeviceCertificate> ended = certificates.revokeEndedOverlaps(now, "superseded");
        if (ended.isEmpty()) {
            return;
        }
        publishCrl();
        for (DeviceCertificate c : ended) {
            audit.record(AuditEvent.of(AuditCategory.PROVISIONING, "rotation-complete").device(c.deviceId())
                    .target(c.deviceId()).detail("revokedSerials", c.serial()).detail("why", "overlap window ended").build());
        }
    }

    /** Signs and writes {@code certs/crl.pem} from the revoked certificates in the registry. */
    public X509CRL publishCrl() {
        List<Crls.Entry> entries = certificates.revoked().stream()
                .map(c -> new Crls.Entry(c.serial(), c.revokedAt(), "superseded".equals(c.revocationReason())))
                .toList();
        return pki.publishCrl(entries);
    }

    private Device require(String id) {
        DeviceId.require(id);
        return registry.find(id).orElseThrow(() -> new NoSuchDeviceException(id));
    }

    /** No device with that ID. */
    public static final class NoSuchDeviceException extends RuntimeException {
        public NoSuchDeviceException(String id) {
            super("no device '" + DeviceId.printable(id) + "'");
        }
    }
}
