package io.deviceguard.command;

import java.time.Instant;

/** One (command, device) pair: its state and when it reached each step. */
public record Execution(String commandId, String deviceId, int seq, ExecutionState state, Instant queuedAt,
                        Instant sentAt, Instant deliveredAt, Instant finishedAt, Instant updatedAt, String reason,
                        String detail) {
}
