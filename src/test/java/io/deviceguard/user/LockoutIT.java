package io.deviceguard.user;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.AdminApiClient.Reply;
import io.deviceguard.testing.MutableClock;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Lockout after 5 failed logins within 15 minutes: the account is then refused even with the right password, until an
 * admin unlocks it or the window has passed; each failure, the lockout and the refusals are audited. Time moves by an
 * injected clock, never by sleeping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockoutIT {

    private final MutableClock clock = MutableClock.startingNow();
    private TestPlatform platform;
    private AdminApiClient api;
    private final String password = TestSecrets.password();
    private final String adminPassword = TestSecrets.password();

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(Files.createTempDirectory("lockout"), Map.of(), clock, Map.of());
        api = AdminApiClient.of(platform);
        for (String user : List.of("carol", "chris", "cleo")) {
            platform.createUser(user, Role.OPERATOR, password);
        }
        platform.createUser("root", Role.ADMIN, adminPassword);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private void failFiveTimes(String user) {
        for (int i = 1; i <= 5; i++) {
            Reply r = api.login(user, "wrong " + i + " " + TestSecrets.MARKER);
            assertThat(r.status()).as("failure %d", i).isEqualTo(401);
            assertThat(r.json().path("code").asText()).isEqualTo("bad_credentials");
            assertThat(r.detail()).startsWith("invalid username or password");
            clock.advance(Duration.ofSeconds(30));
        }
    }

    @Test
    void theSixthAttemptWithTheRightPasswordIsRefusedWhileLockedAndAnAdminCanUnlock() {
        failFiveTimes("carol");
        Reply sixth = api.login("carol", password);
        assertThat(sixth.status()).isEqualTo(429);
        assertThat(sixth.contentType()).isEqualTo("application/problem+json");
        assertThat(sixth.json().path("code").asText()).isEqualTo("account_locked");
        Instant until = ZonedDateTime.parse(sixth.header("Retry-After"), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        assertThat(until).isAfter(clock.instant().plus(Duration.ofMinutes(12)));
        assertThat(sixth.detail()).startsWith("too many failed logins: this account is locked until ");

        List<AuditRecord> history = platform.audit(200).stream()
                .filter(r -> r.category().equals("user") && "user:carol".equals(r.target())).toList();
        assertThat(history).filteredOn(r -> r.action().equals("login") && r.details().contains("bad_credentials"))
                .as("five failures audited").hasSize(5);
        assertThat(history).filteredOn(r -> r.action().equals("lockout")).singleElement()
                .satisfies(r -> assertThat(r.details()).contains("\"failures\":5"));
        assertThat(history).filteredOn(r -> r.action().equals("login") && r.details().contains("account_locked"))
                .as("the refusal while locked is audited").hasSize(1);
        assertThat(platform.audit(200)).noneMatch(r -> String.valueOf(r.details()).contains(TestSecrets.MARKER));

        String admin = api.token("root", adminPassword);
        Reply users = api.get("/api/v1/users/carol", admin);
        assertThat(users.json().path("state").asText()).isEqualTo("locked");
        Reply unlock = api.post("/api/v1/users/carol/unlock", admin, null);
        assertThat(unlock.status()).isEqualTo(200);
        assertThat(unlock.json().path("state").asText()).isEqualTo("enabled");
        assertThat(platform.auditOfRequest(unlock.requestId())).anyMatch(r -> r.action().equals("user.unlock")
                && r.actor().equals("root") && r.details().contains("\"wasLocked\":true"));

        assertThat(api.login("carol", password).status()).isEqualTo(200);
    }

    @Test
    void theLockEndsByItselfAfterTheWindow() {
        failFiveTimes("chris");
        clock.advance(Duration.ofMinutes(14));
        assertThat(api.login("chris", password).status()).as("still locked").isEqualTo(429);
        clock.advance(Duration.ofMinutes(2));
        assertThat(api.login("chris", password).status()).isEqualTo(200);
    }

    @Test
    void failuresSpreadOverMoreThanTheWindowDoNotLock() {
        for (int i = 0; i < 6; i++) {
            assertThat(api.login("cleo", "wrong " + i + " " + TestSecrets.MARKER).status()).isEqualTo(401);
            clock.advance(Duration.ofMinutes(4));
        }
        assertThat(api.login("cleo", password).status()).isEqualTo(200);
    }

    @Test
    void aNameWithoutAccountLocksAlikeSoThatLockoutTellsNothingAboutAccounts() {
        failFiveTimes("nobody");
        Reply r = api.login("nobody", "whatever " + TestSecrets.MARKER);
        assertThat(r.status()).isEqualTo(429);
        assertThat(platform.audit(500)).filteredOn(x -> x.action().equals("login") && x.category().equals("user"))
                .as("a name without account is not written down: it may be a password typed in the wrong field")
                .noneMatch(x -> x.actor().equals("nobody") || String.valueOf(x.target()).contains("nobody")
                        || String.valueOf(x.details()).contains("nobody"))
                .anyMatch(x -> x.actor().equals("(unknown)"));
    }
}
