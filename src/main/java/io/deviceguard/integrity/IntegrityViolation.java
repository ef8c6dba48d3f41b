package io.deviceguard.integrity;

/** A device message that failed an integrity check; it is quarantined and audited, never handled. */
public final class IntegrityViolation extends RuntimeException {

    private final Reason reason;

    public IntegrityViolation(Reason reason, String detail) {
        super(reason.text() + (detail == null || detail.isEmpty() ? "" : ": " + detail), null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
