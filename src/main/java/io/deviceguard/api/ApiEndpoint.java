package io.deviceguard.api;

import io.deviceguard.user.Role;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every admin API endpoint and the roles it admits. Deny by default: a role not named here is refused (403), a call
 * without a valid session is refused (401); only {@link #LOGIN} is open. The audit action of a call is {@link #action}.
 */
public enum ApiEndpoint {
    LOGIN("POST", "/api/v1/login", "session.login", true, true),
    LOGOUT("POST", "/api/v1/logout", "session.logout", false, false, Role.ADMIN, Role.OPERATOR, Role.AUDITOR),
    USERS_LIST("GET", "/api/v1/users", "users.list", false, false, Role.ADMIN),
    USERS_CREATE("POST", "/api/v1/users", "users.create", true, false, Role.ADMIN),
    USERS_SHOW("GET", "/api/v1/users/{username}", "users.show", false, false, Role.ADMIN),
    USERS_DISABLE("POST", "/api/v1/users/{username}/disable", "users.disable", false, false, Role.ADMIN),
    USERS_ENABLE("POST", "/api/v1/users/{username}/enable", "users.enable", false, false, Role.ADMIN),
    USERS_UNLOCK("POST", "/api/v1/users/{username}/unlock", "users.unlock", false, false, Role.ADMIN),
    USERS_ROLE("PUT", "/api/v1/users/{username}/role", "users.role", true, false, Role.ADMIN),
    DEVICES_LIST("GET", "/api/v1/devices", "devices.list", false, false, Role.ADMIN, Role.OPERATOR),
    DEVICES_CREATE("POST", "/api/v1/devices", "devices.create", true, false, Role.ADMIN, Role.OPERATOR),
    DEVICES_SHOW("GET", "/api/v1/devices/{id}", "devices.show", false, false, Role.ADMIN, Role.OPERATOR),
    AUDIT_LIST("GET", "/api/v1/audit", "audit.list", false, false, Role.ADMIN, Role.AUDITOR),
    GROUPS_LIST("GET", "/api/v1/groups", "groups.list", false, false, Role.ADMIN, Role.OPERATOR),
    GROUPS_CREATE("POST", "/api/v1/groups", "groups.create", true, false, Role.ADMIN, Role.OPERATOR),
    GROUPS_SHOW("GET", "/api/v1/groups/{name}", "groups.show", false, false, Role.ADMIN, Role.OPERATOR),
    GROUPS_ADD("POST", "/api/v1/groups/{name}/members", "groups.add", true, false, Role.ADMIN, Role.OPERATOR),
    COMMANDS_LIST("GET", "/api/v1/commands", "commands.list", false, false, Role.ADMIN, Role.OPERATOR, Role.AUDITOR),
    COMMANDS_CREATE("POST", "/api/v1/commands", "commands.create", true, false, Role.ADMIN, Role.OPERATOR),
    COMMANDS_SHOW("GET", "/api/v1/commands/{id}", "commands.show", false, false, Role.ADMIN, Role.OPERATOR, Role.AUDITOR),
    COMMANDS_APPROVE("POST", "/api/v1/commands/{id}/approve", "commands.approve", false, false, Role.ADMIN, Role.OPERATOR),
    COMMANDS_CANCEL("POST", "/api/v1/commands/{id}/cancel", "commands.cancel", false, false, Role.ADMIN, Role.OPERATOR),
    DEVICES_IMPORT("POST", "/api/v1/devices/import", "devices.import", true, false, Role.ADMIN),
    DEVICES_REVOKE("POST", "/api/v1/devices/{id}/revoke", "devices.revoke", true, false, Role.ADMIN),
    DEVICES_SUSPEND("POST", "/api/v1/devices/{id}/suspend", "devices.suspend", false, false, Role.ADMIN),
    DEVICES_RESUME("POST", "/api/v1/devices/{id}/resume", "devices.resume", false, false, Role.ADMIN),
    ENROLLMENTS_CREATE("POST", "/api/v1/enrollments", "enrollments.create", true, false, Role.ADMIN, Role.OPERATOR),
    // the CRL is public data, but this is the operators' interface: external verifiers get certs/crl.pem published
    // wherever the deployment publishes it, not a door into the admin API
    CRL("GET", "/api/v1/crl", "crl.show", false, false, Role.ADMIN, Role.OPERATOR, Role.AUDITOR);

    private final String method;
    private final String path;
    private final String action;
    private final boolean takesBody;
    private final boolean open;
    private final Set<Role> roles;
    private final Pattern matcher;

    ApiEndpoint(String method, String path, String action, boolean takesBody, boolean open, Role... roles) {
        this.method = method;
        this.path = path;
        this.action = action;
        this.takesBody = takesBody;
        this.open = open;
        this.roles = roles.length == 0 ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(Arrays.asList(roles)));
        this.matcher = Pattern.compile(path.replaceAll("\\{[a-z]+}", "[^/]+"));
    }

    public String method() {
        return method;
    }

    /** The path template, path parameters in braces: {@code /api/v1/devices/{id}}. */
    public String path() {
        return path;
    }

    public String action() {
        return action;
    }

    /** True when the request must carry a JSON body; every other endpoint refuses one. */
    public boolean takesBody() {
        return takesBody;
    }

    /** True only for login: no session needed. */
    public boolean open() {
        return open;
    }

    public Set<Role> roles() {
        return roles;
    }

    public boolean admits(Role role) {
        return roles.contains(role);
    }

    public String routeId() {
        return "api-" + action.replace('.', '-');
    }

    /** "admin, operator": for the detail of a 403. */
    public String rolesText() {
        return roles.stream().map(Role::label).collect(Collectors.joining(", "));
    }

    /** True when {@code path} is a path of this endpoint (path parameters filled in). */
    public boolean matches(String path) {
        return matcher.matcher(path).matches();
    }

    /** The endpoint a request line names, for the rows of requests that no route took (wrong method, body too large). */
    public static Optional<ApiEndpoint> match(String method, String path) {
        return Arrays.stream(values()).filter(e -> e.method.equals(method) && e.matcher.matcher(path).matches()).findFirst();
    }

    /** True when some endpoint has this path, whatever its method: tells 405 from 404. */
    public static boolean knownPath(String path) {
        return Arrays.stream(values()).anyMatch(e -> e.matcher.matcher(path).matches());
    }
}
