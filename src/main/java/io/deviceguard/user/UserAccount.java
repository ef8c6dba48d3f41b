package io.deviceguard.user;

import java.time.Instant;

/** An operator account as others may see it: never its password hash. {@code lockedUntil} is null when not locked. */
public record UserAccount(String username, Role role, boolean enabled, Instant createdAt, Instant updatedAt,
                          Instant lockedUntil) {

    /** {@code enabled}, {@code disabled} or {@code locked}: what {@code user list} shows. */
    public String state() {
        if (!enabled) {
            return "disabled";
        }
        return lockedUntil == null ? "enabled" : "locked";
    }
}
