package io.deviceguard.cli;

import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code deviceguard logout}: ends the session on the platform and forgets its token here. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "End the admin API session and delete the stored token.")
public final class LogoutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CliEnvironment env = Connection.environment(spec);
        Optional<CliSession> s = CliSession.load(env);
        if (s.isEmpty()) {
            spec.commandLine().getOut().println("Not logged in.");
            return 0;
        }
        String ended;
        try {
            ApiClient.of(s.get()).post("/api/v1/logout", null);
            ended = "the session is ended on the platform";
        } catch (CliFailure e) {
            // the token is deleted either way; say whether the platform knows the session is over
            ended = "the platform did not confirm (" + e.getMessage() + ")";
        }
        CliSession.delete(env);
        spec.commandLine().getOut().printf("Logged out %s from %s: %s, and the stored token is deleted.%n",
                s.get().username(), s.get().url(), ended);
        return 0;
    }
}
