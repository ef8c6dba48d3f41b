package io.deviceguard.user;

/** A refused account change; the message says precisely why and is safe to show to the caller. */
public final class AccountException extends RuntimeException {

    /** Why; the admin API maps each reason to an HTTP status. */
    public enum Reason { INVALID_USERNAME, WEAK_PASSWORD, DUPLICATE, NO_SUCH_USER, LAST_ADMIN }

    private final Reason reason;

    public AccountException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
