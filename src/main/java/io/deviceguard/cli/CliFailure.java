package io.deviceguard.cli;

/** A command that could not do its work; the message is shown as is, after "deviceguard: ". */
public final class CliFailure extends RuntimeException {

    public CliFailure(String message) {
        super(message);
    }

    public CliFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
