package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code deviceguard login}: opens an admin API session and keeps its token for the next commands. */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Log in to the admin API and store the session (URL, CA, token) for the next commands,",
                "in ~/.deviceguard/session or $DEVICEGUARD_CONFIG_DIR/session (mode 0600).",
                "The password is read from the terminal, or from standard input with --password-stdin."})
public final class LoginCommand implements Callable<Integer> {

    static final String DEFAULT_URL = "https://127.0.0.1:8443";

    @Mixin
    HomeOption home;

    @Option(names = "--url", paramLabel = "URL",
            description = "The admin API (default: the home's deviceguard.api.host and port with --home, else " + DEFAULT_URL + ")")
    String url;

    @Option(names = "--ca", paramLabel = "FILE", description = "The platform's root CA (default with --home: HOME/certs/root-ca.pem)")
    Path ca;

    @Option(names = "--username", paramLabel = "U", description = "Who logs in (asked for when not given)")
    String username;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
    boolean passwordStdin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CliEnvironment env = Connection.environment(spec);
        String target = url != null ? url : home.given() ? urlOf(home.settings(Map.of())) : DEFAULT_URL;
        Path trust = ca != null ? ca : home.given() ? home.home().certs().resolve(Pki.ROOT_CA) : null;
        if (trust == null) {
            throw new CliFailure("which CA signs the platform's certificate? Give --ca FILE (the platform's"
                    + " HOME/certs/root-ca.pem) or --home DIR on the platform's host");
        }
        String user = username != null ? username : ask(env);
        char[] password = PasswordInput.read(env, passwordStdin, "Password for " + user + ": ", false);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("username", user);
        body.put("password", new String(password));
        Arrays.fill(password, '\0');
        ApiClient api = new ApiClient(target, trust, null);
        JsonNode r = api.post("/api/v1/login", body);
        CliSession s = new CliSession(api.url(), trust, r.path("token").asText(), r.path("username").asText(),
                r.path("role").asText(), r.path("expiresAt").asText());
        s.save(env);
        spec.commandLine().getOut().printf("Logged in to %s as %s (role %s). The session ends after %d minutes without"
                        + " use, at %s at the latest; stored in %s%n", s.url(), s.username(), s.role(),
                r.path("idleTimeoutSeconds").asLong() / 60, s.expiresAt(), CliSession.file(env));
        return 0;
    }

    private static String urlOf(Settings settings) {
        String host = settings.get(SettingKeys.API_HOST);
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        return "https://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                + settings.get(SettingKeys.API_PORT);
    }

    private static String ask(CliEnvironment env) {
        if (env.console() == null) {
            throw new CliFailure("no terminal to ask for the username: give --username");
        }
        String u = env.console().readLine("Username: ");
        if (u == null || u.isBlank()) {
            throw new CliFailure("no username given");
        }
        return u.trim();
    }
}
