package io.deviceguard.cli;

import io.deviceguard.config.Home;
import java.nio.file.Files;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command does its work. With {@code --home DIR} it is a host command on that home's database (bootstrap,
 * recovery, and everything the CLI did before there was an API). Without {@code --home} but with a stored login it
 * calls the admin API as the logged-in user. With neither, it works on the current folder as a home only if the
 * folder is one (so that running from a home keeps working); anywhere else it is refused rather than quietly creating
 * a new PKI and database there, for instance just after a logout.
 */
final class Connection {

    private Connection() {
    }

    static CliEnvironment environment(CommandSpec spec) {
        Object root = spec.root().userObject();
        return root instanceof DeviceGuardCommand d ? d.environment() : CliEnvironment.system();
    }

    /** The API client to use, or empty for a host command. */
    static Optional<ApiClient> api(CommandSpec spec, HomeOption home) {
        if (home.given()) {
            return Optional.empty();
        }
        Optional<CliSession> session = CliSession.load(environment(spec));
        if (session.isPresent()) {
            return session.map(ApiClient::of);
        }
        if (isHome(home.home())) {
            return Optional.empty();
        }
        throw new CliFailure("not logged in: run 'deviceguard login' first, or give --home DIR to work on the"
                + " platform's host");
    }

    private static boolean isHome(Home h) {
        // a certs/ folder alone is not a home (the project's own checkout has one, holding only its README): its PKI is
        return Files.isRegularFile(h.certs().resolve(io.deviceguard.pki.Pki.PASSWORDS))
                || Files.isRegularFile(h.certs().resolve(io.deviceguard.pki.Pki.ROOT_CA))
                || Files.isDirectory(h.data()) || Files.isRegularFile(h.propertiesFile());
    }
}
