package io.deviceguard.cli;

import java.io.Console;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the command line reads besides its arguments: the environment (where the session file lives), standard input
 * ({@code --password-stdin}) and the terminal, if there is one. Tests hand in their own.
 */
public record CliEnvironment(Map<String, String> env, InputStream stdin, Console console) {

    /** Where the CLI keeps its session; {@code DEVICEGUARD_CONFIG_DIR} overrides {@code ~/.deviceguard}. */
    public static final String CONFIG_DIR = "DEVICEGUARD_CONFIG_DIR";

    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), System.in, System.console());
    }

    public Path configDir() {
        String dir = env.get(CONFIG_DIR);
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".deviceguard");
    }
}
