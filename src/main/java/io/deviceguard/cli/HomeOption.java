package io.deviceguard.cli;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --home DIR}, shared by every command that works on a home. */
public final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR", defaultValue = ".",
            description = "Home directory: certs/ (PKI), data/ (database, broker journal), application.properties. Default: ${DEFAULT-VALUE}")
    Path home;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** True when {@code --home} was on the command line (not just its default): the command then runs on the host. */
    public boolean given() {
        return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--home");
    }

    public Home home() {
        return new Home(home);
    }

    /** The home's settings, with the environment variables ({@code DEVICEGUARD_DB_URL}...) of the CLI's environment. */
    public Settings settings(Map<String, String> cliProperties) {
        Map<String, String> env = mixee != null ? Connection.environment(mixee).env() : System.getenv();
        return Settings.load(home(), cliProperties, env);
    }
}
