package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.user.Actor;
import io.deviceguard.user.Role;
import io.deviceguard.user.UserAccount;
import io.deviceguard.user.Username;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code deviceguard user ...}: operator accounts. Over the admin API when logged in (admin only); with
 * {@code --home DIR} on the platform's host, against its database, to create the first admin or to recover one.
 */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = {"Manage operator accounts: over the admin API when logged in (admin role),",
                "or with --home DIR as a host command (first admin, recovery)."},
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Disable.class,
                UserCommand.Enable.class, UserCommand.Unlock.class, UserCommand.SetRole.class})
public final class UserCommand {

    static final String HEADER = "%-32s %-9s %-9s %-24s %s%n";

    /** {@code user add NAME --role R}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Create an account. The password is asked for twice on the terminal,",
                    "or read from the first line of standard input with --password-stdin."})
    static final class Add implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "NAME", description = "2-32 of a-z 0-9 . _ -, starting with a letter")
        String name;
        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "admin, operator or auditor")
        String role;
        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
        boolean passwordStdin;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Role r = role(role);
            name(name);
            Optional<ApiClient> api = Connection.api(spec, home);
            char[] password = PasswordInput.read(Connection.environment(spec), passwordStdin,
                    "Password for " + name + ": ", true);
            try {
                if (api.isPresent()) {
                    Map<String, String> body = new LinkedHashMap<>();
                    body.put("username", name);
                    body.put("role", r.label());
                    body.put("password", new String(password));
                    api.get().post("/api/v1/users", body);
                } else {
                    try (HostUsers host = new HostUsers(home.settings(Map.of()))) {
                        host.accounts().create(name, r, password, Actor.host(HostUser.name()));
                    }
                }
            } finally {
                Arrays.fill(password, '\0');
            }
            spec.commandLine().getOut().printf("User %s created with role %s.%n", name, r.label());
            return 0;
        }
    }

    /** {@code user list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the accounts.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Optional<ApiClient> api = Connection.api(spec, home);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(HEADER, "USERNAME", "ROLE", "STATE", "CREATED (UTC)", "LOCKED UNTIL");
            if (api.isPresent()) {
                for (JsonNode u : api.get().get("/api/v1/users", Map.of()).path("users")) {
                    out.printf(HEADER, u.path("username").asText(), u.path("role").asText(), u.path("state").asText(),
                            u.path("createdAt").asText(), u.path("lockedUntil").isTextual()
                                    ? u.path("lockedUntil").asText() : "-");
                }
            } else {
                try (HostUsers host = new HostUsers(home.settings(Map.of()))) {
                    for (UserAccount u : host.accounts().list()) {
                        out.printf(HEADER, u.username(), u.role().label(), u.state(), u.createdAt(),
                                u.lockedUntil() == null ? "-" : u.lockedUntil());
                    }
                }
            }
            return 0;
        }
    }

    /** The shape of disable, enable and unlock: one account, one action. */
    abstract static class AccountAction implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Spec
        CommandSpec spec;

        abstract String verb();

        abstract BiFunction<HostUsers, String, UserAccount> onHost();

        @Override
        public Integer call() {
            name(name);
            Optional<ApiClient> api = Connection.api(spec, home);
            String state;
            if (api.isPresent()) {
                state = api.get().post("/api/v1/users/" + name + "/" + verb(), null).path("state").asText();
            } else {
                try (HostUsers host = new HostUsers(home.settings(Map.of()))) {
                    state = onHost().apply(host, name).state();
                }
            }
            spec.commandLine().getOut().printf("User %s: %s (now %s).%n", name, verb().endsWith("e") ? verb() + "d"
                    : verb() + "ed", state);
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Disable an account; its sessions end at once.")
    static final class Disable extends AccountAction {
        String verb() {
            return "disable";
        }

        BiFunction<HostUsers, String, UserAccount> onHost() {
            return (h, n) -> h.accounts().disable(n, Actor.host(HostUser.name()));
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled account.")
    static final class Enable extends AccountAction {
        String verb() {
            return "enable";
        }

        BiFunction<HostUsers, String, UserAccount> onHost() {
            return (h, n) -> h.accounts().enable(n, Actor.host(HostUser.name()));
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true,
            description = "End a lockout after failed logins before its time.")
    static final class Unlock extends AccountAction {
        String verb() {
            return "unlock";
        }

        BiFunction<HostUsers, String, UserAccount> onHost() {
            return (h, n) -> h.accounts().unlock(n, Actor.host(HostUser.name()));
        }
    }

    /** {@code user role NAME ROLE}. */
    @Command(name = "role", mixinStandardHelpOptions = true, description = "Change the role of an account.")
    static final class SetRole implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "ROLE", description = "admin, operator or auditor")
        String role;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Role r = role(role);
            name(name);
            Optional<ApiClient> api = Connection.api(spec, home);
            if (api.isPresent()) {
                api.get().put("/api/v1/users/" + name + "/role", Map.of("role", r.label()));
            } else {
                try (HostUsers host = new HostUsers(home.settings(Map.of()))) {
                    host.accounts().changeRole(name, r, Actor.host(HostUser.name()));
                }
            }
            spec.commandLine().getOut().printf("User %s now has role %s.%n", name, r.label());
            return 0;
        }
    }

    static Role role(String label) {
        return Role.parse(label).orElseThrow(() -> new CliFailure("unknown role '" + label + "': use one of "
                + Role.choices()));
    }

    static String name(String name) {
        if (!Username.isValid(name)) {
            throw new CliFailure("invalid username '" + name + "': " + Username.RULE);
        }
        return name;
    }
}
