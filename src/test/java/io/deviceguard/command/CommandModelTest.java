package io.deviceguard.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of the command model that need no platform: targets, rollout options, legal transitions. */
class CommandModelTest {

    @Test
    void targetsAreADeviceAListAGroupOrAll() {
        assertThat(Target.parse("device:DEV1")).isEqualTo(new Target(Target.Kind.DEVICES, List.of("DEV1")));
        assertThat(Target.parse("device:A,B,A").names()).as("duplicates once").containsExactly("A", "B");
        assertThat(Target.parse("group:ward-3")).isEqualTo(new Target(Target.Kind.GROUP, List.of("ward-3")));
        assertThat(Target.parse("all").kind()).isEqualTo(Target.Kind.ALL);
        assertThatThrownBy(() -> Target.parse("device:bad id")).hasMessageContaining("'bad id' is not a valid device ID");
        assertThatThrownBy(() -> Target.parse("device:A,,B")).hasMessageContaining("'' is not a valid device ID");
        assertThatThrownBy(() -> Target.parse("everyone")).hasMessageContaining("is not device:ID[,ID...], group:NAME or all");
        assertThatThrownBy(() -> Target.parse("group:")).hasMessageContaining("a group name is 1-64");
    }

    @Test
    void rateAndAbortThresholdAsTheCliWritesThem() {
        assertThat(Rollout.parseRate("100/min")).isEqualTo(100);
        assertThat(Rollout.parseRate("2/s")).isEqualTo(120);
        assertThatThrownBy(() -> Rollout.parseRate("0/min")).hasMessageContaining("is not N/min or N/s with N > 0");
        assertThatThrownBy(() -> Rollout.parseRate("fast")).hasMessageContaining("(e.g. 100/min)");
        assertThat(Rollout.parseAbort("10%:20")).containsExactly(10, 20);
        assertThatThrownBy(() -> Rollout.parseAbort("110%:20")).hasMessageContaining("is not P%:N");
        Rollout r = new Rollout(null, 10, 20);
        assertThat(r.shouldAbort(19, 19)).as("fewer results than the minimum").isFalse();
        assertThat(r.shouldAbort(20, 2)).as("exactly 10% is not more than 10%").isFalse();
        assertThat(r.shouldAbort(20, 3)).isTrue();
        assertThat(Rollout.UNLIMITED.shouldAbort(100, 100)).isFalse();
    }

    @Test
    void finalStatesAreNeverLeftAndOnlyLegalStepsExist() {
        for (ExecutionState to : ExecutionState.values()) {
            assertThat(to.from()).as("nothing leaves a final state for " + to).noneMatch(ExecutionState::isFinal);
        }
        assertThat(ExecutionState.EXPIRED.from()).as("a delivered command no longer expires: it may time out")
                .doesNotContain(ExecutionState.DELIVERED);
        assertThat(ExecutionState.TIMED_OUT.from()).doesNotContain(ExecutionState.QUEUED);
        assertThat(ExecutionState.DELIVERED.from()).as("a report may overtake the record of the send")
                .contains(ExecutionState.QUEUED);
    }
}
