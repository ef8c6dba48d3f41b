package io.deviceguard.cli;

import picocli.CommandLine.Model.CommandSpec;

/** Commands that only the running platform can carry out (it publishes and tracks): they need a login. */
final class ApiOnly {

    private ApiOnly() {
    }

    static ApiClient client(CommandSpec spec) {
        return CliSession.load(Connection.environment(spec)).map(ApiClient::of).orElseThrow(() -> new CliFailure(
                "not logged in: '" + spec.qualifiedName() + "' goes through the running platform; run 'deviceguard login' first"));
    }
}
