package io.deviceguard.user;

import java.time.Duration;
import java.time.Instant;

/**
 * An authenticated admin API session. {@code id} names it in audit rows and logs: the first 16 hex digits of the
 * token's SHA-256, which identify it without revealing anything that would let anyone use it.
 */
public record Session(String id, String username, Role role, Instant createdAt, Instant expiresAt, Duration idleTimeout) {
}
