package io.deviceguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.AdminApiClient.Reply;
import io.deviceguard.testing.MutableClock;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Actor;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The full role matrix of the admin API, over real HTTPS: every endpoint called by every kind of caller (an admin,
 * an operator, an auditor, no token, an expired token, the token of a disabled user). Each call is allowed or refused
 * exactly as the table below says (deny by default: the table is written out here, not read from the code), and
 * each call, above all each refusal, leaves its audit row with the user, role, action, outcome, reason, source and
 * request ID.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoleMatrixIT {

    /** Who may call what: the contract. Login is open to everyone. */
    private static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("LOGIN", Set.of("admin", "operator", "auditor", "none", "expired", "disabled"));
        ALLOWED.put("USERS_LIST", Set.of("admin"));
        ALLOWED.put("USERS_CREATE", Set.of("admin"));
        ALLOWED.put("USERS_SHOW", Set.of("admin"));
        ALLOWED.put("USERS_DISABLE", Set.of("admin"));
        ALLOWED.put("USERS_ENABLE", Set.of("admin"));
        ALLOWED.put("USERS_UNLOCK", Set.of("admin"));
        ALLOWED.put("USERS_ROLE", Set.of("admin"));
        ALLOWED.put("DEVICES_LIST", Set.of("admin", "operator"));
        ALLOWED.put("DEVICES_CREATE", Set.of("admin", "operator"));
        ALLOWED.put("DEVICES_SHOW", Set.of("admin", "operator"));
        ALLOWED.put("DEVICES_IMPORT", Set.of("admin"));
        ALLOWED.put("DEVICES_REVOKE", Set.of("admin"));
        ALLOWED.put("DEVICES_SUSPEND", Set.of("admin"));
        ALLOWED.put("DEVICES_RESUME", Set.of("admin"));
        ALLOWED.put("ENROLLMENTS_CREATE", Set.of("admin", "operator"));
        ALLOWED.put("CRL", Set.of("admin", "operator", "auditor"));
        ALLOWED.put("AUDIT_LIST", Set.of("admin", "auditor"));
        ALLOWED.put("GROUPS_LIST", Set.of("admin", "operator"));
        ALLOWED.put("GROUPS_CREATE", Set.of("admin", "operator"));
        ALLOWED.put("GROUPS_SHOW", Set.of("admin", "operator"));
        ALLOWED.put("GROUPS_ADD", Set.of("admin", "operator"));
        ALLOWED.put("COMMANDS_LIST", Set.of("admin", "operator", "auditor"));
        ALLOWED.put("COMMANDS_CREATE", Set.of("admin", "operator"));
        ALLOWED.put("COMMANDS_SHOW", Set.of("admin", "operator", "auditor"));
        ALLOWED.put("COMMANDS_APPROVE", Set.of("admin", "operator"));
        ALLOWED.put("COMMANDS_CANCEL", Set.of("admin", "operator"));
        // last: it ends the caller's session
        ALLOWED.put("LOGOUT", Set.of("admin", "operator", "auditor"));
    }

    private static final List<String> CALLERS = List.of("admin", "operator", "auditor", "none", "expired", "disabled");

    private final MutableClock clock = MutableClock.startingNow();
    private final Map<String, String> tokens = new LinkedHashMap<>();
    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final AtomicInteger serial = new AtomicInteger();
    private TestPlatform platform;
    private AdminApiClient api;
    private Path home;
    private String command0;

    @BeforeAll
    void start() throws Exception {
        home = Files.createTempDirectory("role-matrix");
        platform = TestPlatform.start(home, Map.of(), clock, Map.of());
        api = AdminApiClient.of(platform);
        user("expired", Role.ADMIN);
        tokens.put("expired", api.token("expired", passwords.get("expired")));
        clock.advance(Duration.ofMinutes(16));
        for (String c : List.of("admin", "operator", "auditor")) {
            user(c, Role.valueOf(c.toUpperCase()));
            tokens.put(c, api.token(c, passwords.get(c)));
        }
        user("disabled", Role.ADMIN);
        tokens.put("disabled", api.token("disabled", passwords.get("disabled")));
        platform.platform().users().accounts().disable("disabled", Actor.host("test"));
        user("victim", Role.AUDITOR);
        platform.createDevice("dev-0");
        platform.platform().commands().createGroup("g-0", Actor.host("test"));
        command0 = platform.platform().commands().create("reboot", new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode(), "device:dev-0", io.deviceguard.command.Rollout.UNLIMITED, null, null, Actor.host("test")).id();
    }

    /** A command of someone else's for each approve or cancel call: each call finds one in the state it needs. */
    private String freshCommand(boolean highRisk) {
        var params = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        if (highRisk) {
            params.put("version", "9.9.9").put("uri", "https://updates.example/fw.bin").put("sha256", "ab".repeat(32));
        }
        return platform.platform().commands().create(highRisk ? "software-update" : "reboot", params, "device:dev-0",
                io.deviceguard.command.Rollout.UNLIMITED, null, null, Actor.host("requester")).id();
    }

    private void user(String name, Role role) {
        passwords.put(name, TestSecrets.password());
        platform.createUser(name, role, passwords.get(name));
    }

    @AfterAll
    void stop() {
        if (platform != null) {
            try {
                // after some 80 calls, logins and account changes: no row holds a password or a token
                assertThat(platform.audit(5000)).isNotEmpty().allSatisfy(r -> assertThat(String.join("|", r.actor(),
                        String.valueOf(r.target()), String.valueOf(r.details()))).doesNotContain(TestSecrets.MARKER)
                        .doesNotContainPattern(TestSecrets.TOKEN));
            } finally {
                platform.close();
            }
        }
    }

    @Test
    void theTableCoversEveryEndpoint() {
        assertThat(ALLOWED.keySet()).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ApiEndpoint.values()).map(Enum::name).toList());
    }

    @TestFactory
    List<DynamicTest> everyEndpointTimesEveryCaller() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String endpoint : ALLOWED.keySet()) {
            for (String caller : CALLERS) {
                tests.add(DynamicTest.dynamicTest(endpoint + " by " + caller, () -> check(ApiEndpoint.valueOf(endpoint), caller)));
            }
        }
        return tests;
    }

    private void check(ApiEndpoint e, String caller) {
        boolean allowed = ALLOWED.get(e.name()).contains(caller);
        Reply r = call(e, caller);
        assertThat(r.requestId()).as("every answer names its request").isNotBlank();
        List<AuditRecord> rows = platform.auditOfRequest(r.requestId());
        AuditRecord call = rows.stream().filter(x -> x.category().equals("api")).findFirst()
                .orElseThrow(() -> new AssertionError("no api audit row for request " + r.requestId() + ": " + rows));
        assertThat(call.action()).isEqualTo(e.action());
        assertThat(call.details()).contains("\"source\":\"127.0.0.1\"").contains("\"status\":" + r.status());
        if (allowed) {
            assertThat(r.status()).as("%s by %s: %s", e, caller, r.body()).isEqualTo(successStatus(e));
            assertThat(call.outcome()).isEqualTo("success");
            return;
        }
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(call.outcome()).as("the refusal is audited").isEqualTo("denied");
        String reason = r.json().path("code").asText();
        assertThat(call.details()).contains("\"reason\":\"" + reason + "\"");
        switch (caller) {
            case "none" -> {
                assertThat(r.status()).isEqualTo(401);
                assertThat(reason).isEqualTo("missing_token");
                assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
                assertThat(call.actor()).isEqualTo("(anonymous)");
            }
            case "expired" -> {
                assertThat(r.status()).isEqualTo(401);
                assertThat(reason).isEqualTo("session_expired");
                assertThat(r.detail()).isEqualTo("the session expired after 15 minutes without use: log in again");
            }
            case "disabled" -> {
                assertThat(r.status()).isEqualTo(401);
                assertThat(reason).isEqualTo("account_disabled");
                assertThat(r.detail()).isEqualTo("account 'disabled' is disabled");
            }
            default -> {
                assertThat(r.status()).as("%s by %s", e, caller).isEqualTo(403);
                assertThat(reason).isEqualTo("forbidden_role");
                assertThat(r.detail()).isEqualTo("role '" + caller + "' may not call " + e.method() + " " + e.path()
                        + " (allowed: " + ALLOWED.get(e.name()).stream().sorted(RoleMatrixIT::byRole)
                        .collect(Collectors.joining(", ")) + ")");
                assertThat(call.actor()).as("a 403 names who tried").isEqualTo(caller);
                assertThat(call.details()).contains("\"role\":\"" + caller + "\"");
            }
        }
    }

    private static int byRole(String a, String b) {
        return Integer.compare(Role.valueOf(a.toUpperCase()).ordinal(), Role.valueOf(b.toUpperCase()).ordinal());
    }

    private static int successStatus(ApiEndpoint e) {
        return switch (e) {
            case USERS_CREATE, DEVICES_CREATE, GROUPS_CREATE, COMMANDS_CREATE, ENROLLMENTS_CREATE -> 201;
            case LOGOUT -> 204;
            default -> 200;
        };
    }

    private Reply call(ApiEndpoint e, String caller) {
        String token = tokens.get(caller);
        int n = serial.incrementAndGet();
        return switch (e) {
            case LOGIN -> api.call("POST", "/api/v1/login", token, "application/json", "{\"username\":\"victim\","
                    + "\"password\":" + AdminApiClient.quote(passwords.get("victim")) + "}");
            case LOGOUT -> api.post("/api/v1/logout", token, null);
            case USERS_LIST -> api.get("/api/v1/users", token);
            case USERS_CREATE -> api.post("/api/v1/users", token, "{\"username\":\"new-" + n + "\",\"role\":\"auditor\","
                    + "\"password\":" + AdminApiClient.quote(TestSecrets.password()) + "}");
            case USERS_SHOW -> api.get("/api/v1/users/victim", token);
            case USERS_DISABLE -> api.post("/api/v1/users/victim/disable", token, null);
            case USERS_ENABLE -> api.post("/api/v1/users/victim/enable", token, null);
            case USERS_UNLOCK -> api.post("/api/v1/users/victim/unlock", token, null);
            case USERS_ROLE -> api.put("/api/v1/users/victim/role", token, "{\"role\":\"auditor\"}");
            case DEVICES_LIST -> api.get("/api/v1/devices", token);
            case DEVICES_CREATE -> api.post("/api/v1/devices", token, "{\"id\":\"dev-" + n + "\"}");
            case DEVICES_SHOW -> api.get("/api/v1/devices/dev-0", token);
            case AUDIT_LIST -> api.get("/api/v1/audit?limit=5", token);
            case GROUPS_LIST -> api.get("/api/v1/groups", token);
            case GROUPS_CREATE -> api.post("/api/v1/groups", token, "{\"name\":\"g-" + n + "\"}");
            case GROUPS_SHOW -> api.get("/api/v1/groups/g-0", token);
            case GROUPS_ADD -> api.post("/api/v1/groups/g-0/members", token, "{\"devices\":[\"dev-0\"]}");
            case COMMANDS_LIST -> api.get("/api/v1/commands", token);
            case COMMANDS_CREATE -> api.post("/api/v1/commands", token, "{\"type\":\"reboot\",\"target\":\"device:dev-0\"}");
            case COMMANDS_SHOW -> api.get("/api/v1/commands/" + command0 + "?devices=true", token);
            case COMMANDS_APPROVE -> api.post("/api/v1/commands/" + freshCommand(true) + "/approve", token, null);
            case COMMANDS_CANCEL -> api.post("/api/v1/commands/" + freshCommand(false) + "/cancel", token, null);
            case DEVICES_IMPORT -> api.post("/api/v1/devices/import", token, "{\"manifest\":" + AdminApiClient.quote(
                    "imp-" + n + ",model-x," + io.deviceguard.device.Manifest.quote(io.deviceguard.sdk.Csr.create(
                            io.deviceguard.pki.Certificates.newEcKeyPair(), "imp-" + n)) + "\n") + "}");
            case DEVICES_REVOKE -> {
                platform.createDevice("rv-" + n);
                yield api.post("/api/v1/devices/rv-" + n + "/revoke", token, "{\"reason\":\"role matrix\"}");
            }
            case DEVICES_SUSPEND -> api.post("/api/v1/devices/dev-0/suspend", token, null);
            case DEVICES_RESUME -> api.post("/api/v1/devices/dev-0/resume", token, null);
            case ENROLLMENTS_CREATE -> api.post("/api/v1/enrollments", token, "{\"deviceId\":\"enr-" + n
                    + "\",\"ttlSeconds\":600}");
            case CRL -> api.get("/api/v1/crl", token);
        };
    }
}
