package io.deviceguard.config;

/**
 * A configuration problem that stops start-up. The message names the file or key at fault and is shown to the
 * operator as is, so it must be specific and must never contain a secret.
 */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
