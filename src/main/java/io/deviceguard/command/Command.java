package io.deviceguard.command;

import java.time.Instant;

/** One command as stored: what, to whom (the target as given), who asked and approved, and where it stands. */
public record Command(String id, String type, String params, String target, String requestedBy, String approvedBy,
                      CommandState state, Rollout rollout, int ttlSeconds, int timeoutSeconds, Instant createdAt,
                      Instant startedAt, Instant expiresAt, Instant finishedAt, String reason) {
}
