package io.deviceguard.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.AdminApiClient.Reply;
import io.deviceguard.testing.MutableClock;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session token expires after 15 minutes without use and after 8 hours whatever its use, ends at logout and when
 * the account is disabled; each end is audited and the next call learns why it is refused. An injected clock moves
 * time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionExpiryIT {

    private final MutableClock clock = MutableClock.startingNow();
    private TestPlatform platform;
    private AdminApiClient api;
    private final String password = TestSecrets.password();
    private final String erinPassword = TestSecrets.password();

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(Files.createTempDirectory("sessions"), Map.of(), clock, Map.of());
        api = AdminApiClient.of(platform);
        platform.createUser("dave", Role.ADMIN, password);
        platform.createUser("erin", Role.OPERATOR, erinPassword);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @Test
    void idleForFifteenMinutesExpiresUseKeepsItAlive() {
        String token = api.token("dave", password);
        clock.advance(Duration.ofMinutes(14));
        assertThat(api.get("/api/v1/devices", token).status()).as("used within the idle timeout").isEqualTo(200);
        clock.advance(Duration.ofMinutes(14));
        assertThat(api.get("/api/v1/devices", token).status()).as("the last use counts, not the login").isEqualTo(200);
        clock.advance(Duration.ofMinutes(15));
        Reply r = api.get("/api/v1/devices", token);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().path("code").asText()).isEqualTo("session_expired");
        assertThat(r.detail()).isEqualTo("the session expired after 15 minutes without use: log in again");
        assertThat(platform.auditOfRequest(r.requestId())).anyMatch(x -> x.category().equals("user")
                && x.action().equals("session.expired") && x.actor().equals("dave") && x.details().contains("\"reason\":\"idle\""));
        assertThat(api.get("/api/v1/devices", token).status()).as("and stays expired").isEqualTo(401);
    }

    @Test
    void eightHoursIsTheLimitHoweverOftenItIsUsed() {
        String token = api.token("dave", password);
        for (int i = 0; i < 47; i++) {
            clock.advance(Duration.ofMinutes(10));
            assertThat(api.get("/api/v1/devices", token).status()).as("after %d min", (i + 1) * 10).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(10));
        Reply r = api.get("/api/v1/devices", token);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.detail()).isEqualTo("the session reached its lifetime of 480 minutes: log in again");
        assertThat(platform.auditOfRequest(r.requestId())).anyMatch(x -> x.action().equals("session.expired")
                && x.details().contains("\"reason\":\"lifetime\""));
    }

    @Test
    void theLimitsAreConfigurable(@TempDir Path home) {
        MutableClock own = MutableClock.startingNow();
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.users.sessionIdleMinutes", "2",
                "deviceguard.users.sessionLifetimeMinutes", "3"), own, Map.of())) {
            p.createUser("fay", Role.AUDITOR, password);
            AdminApiClient client = AdminApiClient.of(p);
            String token = client.token("fay", password);
            own.advance(Duration.ofSeconds(119));
            assertThat(client.get("/api/v1/audit?limit=1", token).status()).isEqualTo(200);
            own.advance(Duration.ofSeconds(62));
            assertThat(client.get("/api/v1/audit?limit=1", token).detail())
                    .isEqualTo("the session reached its lifetime of 3 minutes: log in again");
            assertThat(client.login("fay", password).json().path("idleTimeoutSeconds").asInt()).isEqualTo(120);
        }
    }

    @Test
    void logoutEndsTheSession() {
        String token = api.token("dave", password);
        Reply out = api.post("/api/v1/logout", token, null);
        assertThat(out.status()).isEqualTo(204);
        assertThat(platform.auditOfRequest(out.requestId())).anyMatch(x -> x.action().equals("logout") && x.actor().equals("dave"));
        Reply after = api.get("/api/v1/devices", token);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.detail()).isEqualTo("this session was ended by logout: log in again");
    }

    @Test
    void disablingAUserEndsItsSessionsAtOnceAndEnablingDoesNotRevive() {
        String first = api.token("erin", erinPassword);
        String second = api.token("erin", erinPassword);
        String admin = api.token("dave", password);
        Reply disable = api.post("/api/v1/users/erin/disable", admin, null);
        assertThat(disable.status()).isEqualTo(200);
        assertThat(platform.auditOfRequest(disable.requestId())).anyMatch(x -> x.action().equals("user.disable")
                && x.actor().equals("dave") && x.details().contains("\"sessionsEnded\":2"));
        for (String t : new String[] {first, second}) {
            Reply r = api.get("/api/v1/devices", t);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.detail()).isEqualTo("account 'erin' is disabled");
        }
        Reply login = api.login("erin", erinPassword);
        assertThat(login.status()).isEqualTo(401);
        assertThat(login.json().path("code").asText()).isEqualTo("account_disabled");
        api.post("/api/v1/users/erin/enable", admin, null);
        assertThat(api.get("/api/v1/devices", first).status()).as("an ended session stays ended").isEqualTo(401);
        assertThat(api.token("erin", erinPassword)).isNotBlank();
    }

    @Test
    void theLastAdminCanNeitherBeDisabledNorDemoted() {
        String admin = api.token("dave", password);
        Reply r = api.post("/api/v1/users/dave/disable", admin, null);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.detail()).isEqualTo("cannot disable 'dave': it is the last enabled admin (create or enable another admin first)");
        assertThat(api.put("/api/v1/users/dave/role", admin, "{\"role\":\"auditor\"}").status()).isEqualTo(409);
    }
}
