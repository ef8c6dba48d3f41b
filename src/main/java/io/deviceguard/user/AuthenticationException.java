package io.deviceguard.user;

import java.time.Instant;

/**
 * A refused login or session token. The message is safe to show to the caller: it never tells whether an account
 * exists, and never repeats the password or the token.
 */
public final class AuthenticationException extends RuntimeException {

    /** Why; each one is a distinct reason code in the audit row and the problem response. */
    public enum Reason {
        BAD_CREDENTIALS("bad_credentials"),
        ACCOUNT_LOCKED("account_locked"),
        ACCOUNT_DISABLED("account_disabled"),
        MISSING_TOKEN("missing_token"),
        MALFORMED_TOKEN("malformed_token"),
        UNKNOWN_TOKEN("unknown_token"),
        SESSION_EXPIRED("session_expired"),
        SESSION_ENDED("session_ended");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final Instant lockedUntil;

    public AuthenticationException(Reason reason, String message) {
        this(reason, message, null);
    }

    public AuthenticationException(Reason reason, String message, Instant lockedUntil) {
        super(message);
        this.reason = reason;
        this.lockedUntil = lockedUntil;
    }

    public Reason reason() {
        return reason;
    }

    /** When a locked account unlocks by itself; null unless the reason is {@link Reason#ACCOUNT_LOCKED}. */
    public Instant lockedUntil() {
        return lockedUntil;
    }
}
