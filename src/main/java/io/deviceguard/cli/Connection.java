package io.deviceguard.cli;

import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command does its work. With {@code --home} it is a host command on that home's database, as before there
 * was an API (bootstrap, recovery). Without {@code --home} but with a stored login it calls the admin API as the
 * logged-in user. With neither, it is a host command on the current folder, as it always was.
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
        return CliSession.load(environment(spec)).map(ApiClient::of);
    }
}
