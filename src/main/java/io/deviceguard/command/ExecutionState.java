package io.deviceguard.command;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one (command, device) execution. The platform moves it QUEUED → SENT and to the ends it decides
 * (EXPIRED, TIMED_OUT, CANCELLED); the device's signed reports move it to DELIVERED and to its result. A report may
 * arrive for a QUEUED execution when the platform stopped between publishing and recording SENT; the device has the
 * command then, so the report counts. Nothing leaves a final state: a late or repeated report changes nothing.
 */
public enum ExecutionState {
    QUEUED, SENT, DELIVERED, SUCCEEDED, FAILED, REJECTED, TIMED_OUT, EXPIRED, CANCELLED;

    private static final Set<ExecutionState> FINAL = EnumSet.of(SUCCEEDED, FAILED, REJECTED, TIMED_OUT, EXPIRED, CANCELLED);

    public boolean isFinal() {
        return FINAL.contains(this);
    }

    /** The states from which {@code this} may be reached. */
    Set<ExecutionState> from() {
        return switch (this) {
            case QUEUED -> EnumSet.noneOf(ExecutionState.class);
            case SENT -> EnumSet.of(QUEUED);
            case DELIVERED -> EnumSet.of(QUEUED, SENT);
            case SUCCEEDED, FAILED -> EnumSet.of(QUEUED, SENT, DELIVERED);
            case REJECTED -> EnumSet.of(QUEUED, SENT, DELIVERED);
            case TIMED_OUT -> EnumSet.of(SENT, DELIVERED);
            case EXPIRED -> EnumSet.of(QUEUED, SENT);
            case CANCELLED -> EnumSet.of(QUEUED, SENT, DELIVERED);
        };
    }

    /** Counted as a failure by the rollout's abort threshold. */
    boolean isFailure() {
        return this == FAILED || this == REJECTED || this == TIMED_OUT;
    }

    /** A result of the device (or its silence), as the abort threshold counts results. */
    boolean isResult() {
        return this == SUCCEEDED || isFailure();
    }
}
