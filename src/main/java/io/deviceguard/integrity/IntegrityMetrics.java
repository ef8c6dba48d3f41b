package io.deviceguard.integrity;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counts of accepted messages and of rejections per reason, since start. */
public final class IntegrityMetrics {

    private final LongAdder accepted = new LongAdder();
    private final Map<Reason, LongAdder> rejected = new EnumMap<>(Reason.class);

    public IntegrityMetrics() {
        for (Reason r : Reason.values()) {
            rejected.put(r, new LongAdder());
        }
    }

    public void accepted() {
        accepted.increment();
    }

    public void rejected(Reason r) {
        rejected.get(r).increment();
    }

    public long acceptedCount() {
        return accepted.sum();
    }

    public long rejectedCount(Reason r) {
        return rejected.get(r).sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new java.util.TreeMap<>();
        m.put("accepted", accepted.sum());
        rejected.forEach((r, n) -> m.put("rejected." + r.code(), n.sum()));
        return m;
    }
}
