package io.deviceguard.command;

/**
 * A command request that cannot be carried out, with a stable code and a precise detail; {@link Kind} says whose
 * fault it is, so the admin API can answer 400, 403, 404 or 409 and the CLI print the detail as is.
 */
public final class CommandException extends RuntimeException {

    public enum Kind { INVALID, FORBIDDEN, NOT_FOUND, CONFLICT }

    private final Kind kind;
    private final String code;
    private final String field;

    CommandException(Kind kind, String code, String detail, String field) {
        super(detail);
        this.kind = kind;
        this.code = code;
        this.field = field;
    }

    static CommandException invalid(String field, String detail) {
        return new CommandException(Kind.INVALID, "invalid_field", detail, field);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
