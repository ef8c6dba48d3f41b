package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What every connection's {@link MqttFrameGuard} shares: the limits, the counts they are held to (connections in
 * total, TLS connections per device certificate) and the audit trail their refusals go to. Artemis creates acceptors
 * by class name, so the acceptor finds this by a key the platform puts into its parameters (as for
 * {@link HandshakeAudit}).
 */
final class ConnectionGuards {

    static final String PARAM = "deviceguardConnectionGuards";
    private static final Map<String, ConnectionGuards> BY_KEY = new ConcurrentHashMap<>();

    private final BrokerLimits limits;
    private final Consumer<AuditEvent> audit;
    private final String serviceFingerprint;
    private final String key;
    private final AtomicInteger connected = new AtomicInteger();
    private final Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();

    private ConnectionGuards(BrokerLimits limits, Consumer<AuditEvent> audit, String serviceFingerprint, String key) {
        this.limits = limits;
        this.audit = audit;
        this.serviceFingerprint = serviceFingerprint;
        this.key = key;
    }

    static ConnectionGuards register(BrokerLimits limits, Consumer<AuditEvent> audit, String serviceFingerprint, String key) {
        ConnectionGuards g = new ConnectionGuards(limits, audit, serviceFingerprint, key);
        BY_KEY.put(key, g);
        return g;
    }

    static ConnectionGuards lookup(Object key) {
        return key == null ? null : BY_KEY.get(key.toString());
    }

    void unregister() {
        BY_KEY.remove(key);
    }

    BrokerLimits limits() {
        return limits;
    }

    boolean isService(String fingerprint) {
        return serviceFingerprint.equals(fingerprint);
    }

    /** Counts one more TLS connection with this device's certificate; false (and not counted) past the limit. */
    boolean acquireDevice(String deviceId) {
        AtomicInteger n = perDevice.computeIfAbsent(deviceId, k -> new AtomicInteger());
        if (n.incrementAndGet() > limits.connectionsPerDevice()) {
            releaseDevice(deviceId);
            return false;
        }
        return true;
    }

    /** TLS connections with this device's certificate counted now. */
    int deviceConnections(String deviceId) {
        AtomicInteger n = perDevice.get(deviceId);
        return n == null ? 0 : n.get();
    }

    void releaseDevice(String deviceId) {
        perDevice.computeIfPresent(deviceId, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Counts one more MQTT connection; false (and not counted) past the limit. */
    boolean acquireConnection() {
        if (connected.incrementAndGet() > limits.connections()) {
            connected.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseConnection() {
        connected.decrementAndGet();
    }

    /** MQTT connections counted now (devices only). */
    int connections() {
        return connected.get();
    }

    void refused(String device, String clientId, String remote, RefusalReason reason, int protocolLevel) {
        audit.accept(AuditEvent.of(AuditCategory.CONNECTION, "connect")
                .device(device)
                .denied()
                .target(clientId == null ? remote : clientId)
                .detail("reason", reason.code())
                .detail("message", reason.text())
                .detail("remote", remote)
                .detail("mqttLevel", protocolLevel == 0 ? null : protocolLevel)
                .detail("limit", switch (reason) {
                    case TOO_MANY_CONNECTIONS -> limits.connections();
                    case TOO_MANY_DEVICE_CONNECTIONS -> limits.connectionsPerDevice();
                    case CONNECT_TIMEOUT -> limits.connectTimeout().toSeconds() + " s";
                    default -> null;
                })
                .build());
    }

    void violation(String device, String remote, ProtocolViolation v, String detail) {
        audit.accept(AuditEvent.of(AuditCategory.CONNECTION, "protocol-violation")
                .device(device)
                .denied()
                .target(remote)
                .detail("reason", v.code())
                .detail("message", v.text())
                .detail("remote", remote)
                .detail("detail", detail)
                .build());
    }

    void throttled(String device, String remote) {
        audit.accept(AuditEvent.of(AuditCategory.ANOMALY, "publish-throttled")
                .device(device)
                .denied()
                .target(device)
                .detail("message", "publishing beyond the allowance; the broker slows its reading of this connection")
                .detail("publishesPerSecond", limits.publishesPerSecond())
                .detail("publishBurst", limits.publishBurst())
                .detail("remote", remote)
                .build());
    }

    void flood(String device, String remote, Duration streak) {
        audit.accept(AuditEvent.of(AuditCategory.ANOMALY, "publish-flood")
                .device(device)
                .denied()
                .target(device)
                .detail("message", "throttled without a pause for " + streak.toSeconds() + " s; device disconnected")
                .detail("publishesPerSecond", limits.publishesPerSecond())
                .detail("floodSeconds", limits.floodTime().toSeconds())
                .detail("remote", remote)
                .build());
    }
}
