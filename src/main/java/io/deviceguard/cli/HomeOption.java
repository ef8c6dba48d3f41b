package io.deviceguard.cli;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --home DIR}, shared by every command that works on a home. */
public final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR", defaultValue = ".",
            description = "Home directory: certs/ (PKI), data/ (database, broker journal), application.properties. Default: ${DEFAULT-VALUE}")
    Path home;

    public Home home() {
        return new Home(home);
    }

    public Settings settings(Map<String, String> cliProperties) {
        return Settings.load(home(), cliProperties, System.getenv());
    }
}
