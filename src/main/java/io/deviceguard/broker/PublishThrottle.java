package io.deviceguard.broker;

import java.time.Duration;

/**
 * One connection's publish allowance: a token bucket of {@code burst} tokens refilled at {@code perSecond}, and the
 * streak of throttling that tells a flood from a burst. A connection is "throttled" when a publish finds no token;
 * throttling episodes closer together than a pause (one second, or two token intervals if that is longer) form one
 * streak, and a streak that lasts {@code floodTime} is a flood. Time is passed in (nanoseconds, monotonic), so the rules are tested without waiting. Not thread-safe: one
 * connection's event loop owns it.
 */
final class PublishThrottle {

    private final double perNano;
    private final double burst;
    private final long floodNanos;
    /** A device that keeps within its allowance for this long has ended its streak. */
    private final long pauseNanos;
    private double tokens;
    private long refilledAt;
    private long streakStart = Long.MIN_VALUE;
    private long lastThrottled = Long.MIN_VALUE;

    PublishThrottle(int perSecond, int burst, Duration floodTime, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.floodNanos = floodTime.toNanos();
        this.pauseNanos = Math.max(Duration.ofSeconds(1).toNanos(), 2_000_000_000L / perSecond);
        this.tokens = burst;
        this.refilledAt = now;
    }

    /** Takes a token for one publish: 0 when it may go now, else how many nanoseconds until it may. */
    long take(long now) {
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }

    /** Records that a publish had to wait; true when this makes the streak a flood. */
    boolean throttled(long now) {
        if (lastThrottled == Long.MIN_VALUE || now - lastThrottled > pauseNanos) {
            streakStart = now;
        }
        lastThrottled = now;
        return now - streakStart >= floodNanos;
    }

    /** How long the current streak has lasted, for the audit. */
    Duration streak(long now) {
        return streakStart == Long.MIN_VALUE ? Duration.ZERO : Duration.ofNanos(now - streakStart);
    }
}
