package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Identity takeovers: a second connection with a device ID already connected closes the first [MQTT-3.1.4-3]. Each
 * is audited (category connection, action takeover, both source addresses); more than {@code threshold} within a
 * minute for one ID is flagged (category anomaly), as AWS IoT Device Defender flags conflicting client IDs: two
 * devices sharing one identity, or a stolen key, knock each other off in a loop.
 */
public final class TakeoverWatch {

    static final Duration WINDOW = Duration.ofMinutes(1);
    private final AuditLog audit;
    private final int threshold;
    private final Map<String, Deque<Instant>> recent = new ConcurrentHashMap<>();

    public TakeoverWatch(AuditLog audit, int threshold) {
        this.audit = audit;
        this.threshold = threshold;
    }

    void takeover(String id, String previousRemote, String newRemote, Instant now) {
        audit.record(AuditEvent.of(AuditCategory.CONNECTION, "takeover")
                .device(id)
                .target(id)
                .detail("previousRemote", previousRemote)
                .detail("newRemote", newRemote)
                .detail("rule", "MQTT-3.1.4-3")
                .build());
        int count;
        Deque<Instant> times = recent.computeIfAbsent(id, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            while (!times.isEmpty() && times.peekFirst().isBefore(now.minus(WINDOW))) {
                times.removeFirst();
            }
            count = times.size();
        }
        if (count == threshold + 1) {
            // once per burst: the row that crosses the threshold, not every takeover after it
            audit.record(AuditEvent.of(AuditCategory.ANOMALY, "takeover-flood")
                    .device(id)
                    .target(id)
                    .detail("takeoversPerMinute", count)
                    .detail("threshold", threshold)
                    .detail("previousRemote", previousRemote)
                    .detail("newRemote", newRemote)
                    .build());
        }
    }
}
