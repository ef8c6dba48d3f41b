package io.deviceguard.command;

/**
 * The state of a command as a whole: PENDING_APPROVAL until a second user approves a high-risk type, RUNNING while
 * executions are dispatched and answered, then COMPLETED (every execution final), CANCELLED by hand, or ABORTED by
 * its rollout's failure threshold.
 */
public enum CommandState {
    PENDING_APPROVAL, RUNNING, COMPLETED, CANCELLED, ABORTED;

    public boolean isFinal() {
        return this == COMPLETED || this == CANCELLED || this == ABORTED;
    }
}
