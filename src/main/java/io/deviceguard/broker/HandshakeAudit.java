package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Audits refusals that happen before MQTT: failed TLS handshakes (no certificate, foreign CA, expired, plain TCP).
 * Artemis creates acceptors by class name, so the acceptor finds the platform's audit log here, by a key the
 * platform puts into the acceptor's parameters.
 */
public final class HandshakeAudit {

    static final String PARAM = "deviceguardHandshakeAudit";
    private static final Map<String, HandshakeAudit> BY_KEY = new ConcurrentHashMap<>();

    private final AuditLog audit;
    private final String key;

    private HandshakeAudit(AuditLog audit, String key) {
        this.audit = audit;
        this.key = key;
    }

    static HandshakeAudit register(AuditLog audit, String key) {
        HandshakeAudit h = new HandshakeAudit(audit, key);
        BY_KEY.put(key, h);
        return h;
    }

    static HandshakeAudit lookup(Object key) {
        return key == null ? null : BY_KEY.get(key.toString());
    }

    void unregister() {
        BY_KEY.remove(key);
    }

    /** {@code listener}: the acceptor's name ("mqtt", or "cluster" for the cluster port of a cluster node). */
    void failed(String listener, String remote, Throwable cause) {
        RefusalReason reason = HandshakeFailures.classify(cause);
        audit.record(AuditEvent.of(AuditCategory.CONNECTION, "tls-handshake")
                .actor(AuditEvent.ActorType.DEVICE, "(unauthenticated)")
                .denied()
                .target(remote)
                .detail("reason", reason.code())
                .detail("message", reason.text())
                .detail("remote", remote)
                .detail("listener", listener)
                .detail("error", cause.getClass().getSimpleName() + ": " + cause.getMessage())
                .build());
    }
}
