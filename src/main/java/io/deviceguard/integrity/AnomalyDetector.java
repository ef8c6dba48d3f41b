package io.deviceguard.integrity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts each device's non-conforming messages in a sliding window; says when one crosses the threshold. */
public final class AnomalyDetector {

    private final int threshold;
    private final Duration window;
    private final Map<String, Deque<Instant>> recent = new ConcurrentHashMap<>();

    public AnomalyDetector(int threshold, Duration window) {
        this.threshold = threshold;
        this.window = window;
    }

    /** Records a rejection; true exactly when this one makes more than {@code threshold} within the window. */
    public boolean rejected(String deviceId, Instant now) {
        Deque<Instant> times = recent.computeIfAbsent(deviceId, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            Instant cutoff = now.minus(window);
            while (!times.isEmpty() && times.peekFirst().isBefore(cutoff)) {
                times.removeFirst();
            }
            if (times.size() > threshold) {
                times.clear();
                return true;
            }
            return false;
        }
    }
}
