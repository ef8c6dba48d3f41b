package io.deviceguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.AdminApiClient.Reply;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input never reaches a handler: malformed JSON, wrong types, unknown fields, oversize bodies, SQL and HTML
 * metacharacters in every string field (body, path and query), device IDs outside the pattern. Each is answered with
 * a problem+json whose detail names the field and the rule, is audited as denied, and writes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestIT {

    private static final String SQL = "x'; drop table users; --";
    private static final String XSS = "<script>alert(1)</script>";

    private TestPlatform platform;
    private AdminApiClient api;
    private String admin;
    private int users;
    private int devices;

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(Files.createTempDirectory("bad-requests"));
        api = AdminApiClient.of(platform);
        String password = TestSecrets.password();
        platform.createUser("admin", Role.ADMIN, password);
        platform.createUser("olive", Role.OPERATOR, TestSecrets.password());
        platform.createDevice("dev-0");
        admin = api.token("admin", password);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @BeforeEach
    void count() {
        users = platform.platform().users().accounts().list().size();
        devices = platform.platform().services().registry().list(1000).size();
    }

    /** The answer is a 400 (or the given status) problem with exactly this detail, audited, and nothing changed. */
    private Reply refused(Reply r, int status, String code, String detail) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().path("type").asText()).isEqualTo("urn:deviceguard:problem:" + code);
        assertThat(r.json().path("status").asInt()).isEqualTo(status);
        assertThat(r.json().path("instance").asText()).isEqualTo("urn:uuid:" + r.requestId());
        if (detail != null) {
            assertThat(r.detail()).isEqualTo(detail);
        }
        assertThat(platform.platform().users().accounts().list()).as("no account written").hasSize(users);
        assertThat(platform.platform().services().registry().list(1000)).as("no device written").hasSize(devices);
        return r;
    }

    private void audited(Reply r, String code) {
        AuditRecord row = platform.auditOfRequest(r.requestId()).stream().filter(x -> x.category().equals("api"))
                .findFirst().orElseThrow();
        assertThat(row.outcome()).isEqualTo("denied");
        assertThat(row.details()).contains("\"reason\":\"" + code + "\"").doesNotContain(TestSecrets.MARKER);
    }

    @Test
    void malformedJsonOnEveryEndpointThatTakesABody() {
        for (String[] e : new String[][] {{"POST", "/api/v1/login"}, {"POST", "/api/v1/users"},
                {"PUT", "/api/v1/users/olive/role"}, {"POST", "/api/v1/devices"}}) {
            Reply r = api.call(e[0], e[1], admin, "application/json", "{\"id\": \"dev-1\",");
            refused(r, 400, "invalid_json", null);
            assertThat(r.detail()).as(e[1]).startsWith("the request body is not valid JSON: ").contains("(line 1, column");
            audited(r, "invalid_json");
        }
        refused(api.post("/api/v1/devices", admin, "[\"dev-1\"]"), 400, "invalid_json",
                "the request body must be a JSON object, not array");
        refused(api.post("/api/v1/devices", admin, "{\"id\":\"dev-1\"}{\"id\":\"dev-2\"}"), 400, "invalid_json", null);
        refused(api.post("/api/v1/devices", admin, "{\"id\":\"dev-1\",\"id\":\"dev-2\"}"), 400, "invalid_json", null);
        refused(api.call("POST", "/api/v1/devices", admin, "application/json", ""), 400, "invalid_json",
                "the request body is empty; this endpoint takes a JSON object");
    }

    @Test
    void wrongTypes() {
        refused(api.post("/api/v1/devices", admin, "{\"id\":42}"), 400, "invalid_field", "field 'id' must be a string, not a number");
        refused(api.post("/api/v1/users", admin, "{\"username\":\"bob\",\"role\":[\"admin\"],\"password\":\"x\"}"), 400,
                "invalid_field", "field 'role' must be a string, not an array");
        refused(api.put("/api/v1/users/olive/role", admin, "{\"role\":true}"), 400, "invalid_field",
                "field 'role' must be a string, not a boolean");
        Reply r = refused(api.post("/api/v1/login", null, "{\"username\":\"admin\",\"password\":null}"), 400,
                "invalid_field", "field 'password' must be a string, not null");
        assertThat(r.json().path("field").asText()).isEqualTo("password");
        refused(api.post("/api/v1/users", admin, "{\"username\":\"bob\",\"password\":\"" + TestSecrets.password() + "\"}"),
                400, "invalid_field", "field 'role' is required");
    }

    @Test
    void unknownFields() {
        Reply r = refused(api.post("/api/v1/devices", admin, "{\"id\":\"dev-1\",\"status\":\"ACTIVE\"}"), 400,
                "invalid_field", "unknown field 'status' (this endpoint accepts: id)");
        audited(r, "invalid_field");
        refused(api.post("/api/v1/users", admin, "{\"username\":\"bob\",\"role\":\"admin\",\"password\":\""
                + TestSecrets.password() + "\",\"enabled\":true}"), 400, "invalid_field",
                "unknown field 'enabled' (this endpoint accepts: password, role, username)");
        refused(api.get("/api/v1/audit?user=admin&verbose=1", admin), 400, "invalid_query",
                "unknown query parameter 'verbose' (accepted: before, category, device, limit, outcome, since, until, user)");
    }

    @Test
    void oversizeBodiesAreRefusedBeforeAnythingReadsThem() throws Exception {
        String big = "{\"id\":\"" + "a".repeat(17_000) + "\"}";
        Reply r = refused(api.post("/api/v1/devices", admin, big), 413, "body_too_large",
                "the request body is larger than 16384 bytes (deviceguard.api.maxBodyBytes)");
        platform.awaitAudit("the refused body audited", x -> x.category().equals("api") && x.outcome().equals("denied")
                && x.action().equals("devices.create") && x.details().contains(r.requestId())
                && x.details().contains("\"reason\":\"body_too_large\""));

        // no Content-Length (chunked): refused while streaming, at the limit
        HttpClient http = HttpClient.newBuilder().sslContext(io.deviceguard.testing.TestCerts.sslContext(null, null,
                platform.home().resolve("certs/root-ca.pem"))).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/devices"))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(platform.platform().services().registry().list(1000)).hasSize(devices);
    }

    @Test
    void sqlAndHtmlMetacharactersInEveryStringFieldAreRefused() {
        for (String bad : new String[] {SQL, XSS}) {
            String q = AdminApiClient.quote(bad);
            refused(api.post("/api/v1/users", admin, "{\"username\":" + q + ",\"role\":\"operator\",\"password\":\""
                    + TestSecrets.password() + "\"}"), 400, "invalid_field", "field 'username' is not a valid username ('"
                    + bad + "'): 2-32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter");
            refused(api.post("/api/v1/users", admin, "{\"username\":\"bob\",\"role\":" + q + ",\"password\":\""
                    + TestSecrets.password() + "\"}"), 400, "invalid_field",
                    "field 'role' must be one of admin, operator, auditor (got '" + bad + "')");
            refused(api.put("/api/v1/users/olive/role", admin, "{\"role\":" + q + "}"), 400, "invalid_field",
                    "field 'role' must be one of admin, operator, auditor (got '" + bad + "')");
            refused(api.post("/api/v1/devices", admin, "{\"id\":" + q + "}"), 400, "invalid_field",
                    "field 'id' is not a valid device ID ('" + bad + "'): 1-64 characters, letters, digits, '.', '_' or '-',"
                            + " starting with a letter or digit");
            Reply login = refused(api.post("/api/v1/login", null, "{\"username\":" + q + ",\"password\":\"x\"}"), 400,
                    "invalid_field", "field 'username' is not a valid username: 2-32 characters: lower-case letters,"
                            + " digits, '.', '_' or '-', starting with a letter");
            audited(login, "invalid_field");
            String enc = java.net.URLEncoder.encode(bad, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
            refused(api.get("/api/v1/users/" + enc, admin), 400, "invalid_field", "the username in the path is not a"
                    + " valid username ('" + bad + "'): 2-32 characters: lower-case letters, digits, '.', '_' or '-',"
                    + " starting with a letter");
            refused(api.post("/api/v1/users/" + enc + "/disable", admin, null), 400, "invalid_field", null);
            refused(api.get("/api/v1/devices/" + enc, admin), 400, "invalid_field", "the device ID in the path is not a"
                    + " valid device ID ('" + bad + "'): 1-64 characters, letters, digits, '.', '_' or '-', starting with"
                    + " a letter or digit");
            refused(api.get("/api/v1/audit?user=" + enc, admin), 400, "invalid_query",
                    "query parameter 'user' is not a valid username: " + io.deviceguard.user.Username.RULE);
            refused(api.get("/api/v1/audit?device=" + enc, admin), 400, "invalid_query", null);
            refused(api.get("/api/v1/audit?category=" + enc, admin), 400, "invalid_query",
                    "query parameter 'category' must be one of " + java.util.Arrays.stream(io.deviceguard.audit.AuditCategory.values())
                            .map(io.deviceguard.audit.AuditCategory::label).collect(java.util.stream.Collectors.joining(", ")));
            refused(api.get("/api/v1/audit?since=" + enc, admin), 400, "invalid_query",
                    "query parameter 'since' must be an ISO-8601 UTC time such as 2025-01-31T12:00:00Z");
        }
        assertThat(platform.platform().users().accounts().find("olive").orElseThrow().role()).isEqualTo(Role.OPERATOR);
    }

    @Test
    void aPasswordIsOnlyHashedSoMetacharactersInItAreHarmless() {
        String nasty = TestSecrets.nastyPassword();
        Reply created = api.post("/api/v1/users", admin, "{\"username\":\"mallory\",\"role\":\"auditor\",\"password\":"
                + AdminApiClient.quote(nasty) + "}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(api.login("mallory", nasty).status()).isEqualTo(200);
        assertThat(api.login("mallory", "'; drop table users; --").status()).isEqualTo(401);
        assertThat(platform.platform().users().accounts().list()).hasSize(users + 1);
    }

    @Test
    void deviceIdsOutsideThePatternAreRefused() {
        for (String id : new String[] {"", "-dev", ".dev", "_dev", "dev/1", "dev 1", "dév", "a".repeat(65), "dev\n1", "dev+1"}) {
            Reply r = refused(api.post("/api/v1/devices", admin, "{\"id\":" + AdminApiClient.quote(id) + "}"), 400,
                    "invalid_field", null);
            assertThat(r.detail()).as(id).startsWith("field 'id' is not a valid device ID ('")
                    .endsWith("'): 1-64 characters, letters, digits, '.', '_' or '-', starting with a letter or digit");
            assertThat(r.json().path("field").asText()).isEqualTo("id");
        }
        assertThat(api.post("/api/v1/devices", admin, "{\"id\":\"" + "a".repeat(64) + "\"}").status())
                .as("64 characters is the limit, inclusive").isEqualTo(201);
    }

    @Test
    void mediaTypeAndBodyPresenceAreChecked() {
        refused(api.call("POST", "/api/v1/devices", admin, "text/plain", "{\"id\":\"dev-1\"}"), 415,
                "unsupported_media_type", "the request body must be JSON sent as 'Content-Type: application/json' (got 'text/plain')");
        refused(api.call("POST", "/api/v1/devices", admin, "application/json; charset=iso-8859-1", "{\"id\":\"dev-1\"}"),
                415, "unsupported_media_type", null);
        refused(api.call("POST", "/api/v1/users/olive/disable", admin, "application/json", "{\"really\":true}"), 400,
                "unexpected_body", "POST /api/v1/users/{username}/disable takes no request body");
        refused(api.call("DELETE", "/api/v1/devices/dev-0", admin, null, null), 405, "method_not_allowed",
                "DELETE is not allowed on /api/v1/devices/dev-0");
        refused(api.get("/api/v1/widgets", admin), 404, "not_found", "no admin API endpoint at /api/v1/widgets");
    }
}
