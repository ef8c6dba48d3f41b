package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The publish allowance: a burst, then the rate; a streak of throttling long enough is a flood, a pause ends it. */
class PublishThrottleTest {

    static final long S = 1_000_000_000L;

    @Test
    void aBurstGoesAtOnceThenPublishesWaitForTheRate() {
        PublishThrottle t = new PublishThrottle(100, 5, Duration.ofSeconds(10), 0);
        for (int i = 0; i < 5; i++) {
            assertThat(t.take(0)).as("publish %d of the burst", i).isZero();
        }
        long wait = t.take(0);
        assertThat(wait).as("the sixth waits one token interval").isEqualTo(S / 100);
        assertThat(t.take(wait)).as("and may go once it has passed").isZero();
    }

    @Test
    void theBucketRefillsToTheBurstNotBeyond() {
        PublishThrottle t = new PublishThrottle(10, 3, Duration.ofSeconds(10), 0);
        for (int i = 0; i < 3; i++) {
            t.take(0);
        }
        long later = 60 * S;
        for (int i = 0; i < 3; i++) {
            assertThat(t.take(later)).isZero();
        }
        assertThat(t.take(later)).as("a minute of quiet buys the burst, not 600 publishes").isPositive();
    }

    @Test
    void throttledWithoutAPauseForTheFloodTimeIsAFlood() {
        PublishThrottle t = new PublishThrottle(100, 1, Duration.ofSeconds(5), 0);
        long now = 0;
        boolean flood = false;
        while (!flood && now < 10 * S) {
            flood = t.throttled(now);
            now += S / 100;
        }
        assertThat(flood).isTrue();
        assertThat(now).isBetween(5 * S, 5 * S + S / 50);
    }

    @Test
    void aPauseEndsTheStreak() {
        PublishThrottle t = new PublishThrottle(100, 1, Duration.ofSeconds(5), 0);
        for (long now = 0; now < 4 * S; now += S / 100) {
            assertThat(t.throttled(now)).isFalse();
        }
        long afterPause = 4 * S + 2 * S;          // two seconds within the allowance
        assertThat(t.throttled(afterPause)).isFalse();
        assertThat(t.streak(afterPause)).isEqualTo(Duration.ZERO);
        assertThat(t.throttled(afterPause + 4 * S)).as("a new streak, only just begun").isFalse();
    }

    @Test
    void atALowRateThePauseIsTwoTokenIntervals() {
        // one publish a second allowed: a flooder waits a second for each token, and that is no pause
        PublishThrottle t = new PublishThrottle(1, 1, Duration.ofSeconds(5), 0);
        boolean flood = false;
        for (long now = 0; now <= 6 * S && !flood; now += S + S / 10) {
            flood = t.throttled(now);
        }
        assertThat(flood).isTrue();
    }
}
