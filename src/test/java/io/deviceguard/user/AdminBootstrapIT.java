package io.deviceguard.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.config.ConfigException;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first start without an admin: nothing is created silently. A bootstrap password is taken from a file only its
 * owner can read (then deleted) or from DEVICEGUARD_BOOTSTRAP_ADMIN_PASSWORD, once.
 */
class AdminBootstrapIT {

    @TempDir
    Path home;

    private static TestPlatform start(Path home, Map<String, String> env) {
        return TestPlatform.start(home, Map.of(), Clock.systemUTC(), env);
    }

    @Test
    void withoutABootstrapPasswordNoAccountIsCreatedAndTheStartRowSaysSo() {
        try (TestPlatform p = start(home, Map.of())) {
            assertThat(p.platform().users().accounts().list()).isEmpty();
            assertThat(p.audit(20)).anyMatch(r -> r.action().equals("start") && r.details().contains("\"adminAccount\":\"no_admin\""));
        }
    }

    @Test
    void aPasswordFileOnlyItsOwnerCanReadCreatesTheAdminAndIsDeleted() throws Exception {
        String password = TestSecrets.password();
        Path file = home.resolve(AdminBootstrap.DEFAULT_FILE);
        Files.createDirectories(home);
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (TestPlatform p = start(home, Map.of())) {
            assertThat(file).doesNotExist();
            assertThat(p.platform().users().accounts().find("admin")).hasValueSatisfying(a -> {
                assertThat(a.role()).isEqualTo(Role.ADMIN);
                assertThat(a.enabled()).isTrue();
            });
            assertThat(p.audit(20)).anyMatch(r -> r.action().equals("user.create") && r.actor().equals("bootstrap")
                    && r.actorType().equals("system") && "user:admin".equals(r.target()));
            assertThat(AdminApiClient.of(p).login("admin", password).status()).isEqualTo(200);
        }
    }

    @Test
    void aPasswordFileOthersCanReadStopsTheStart() throws Exception {
        Path file = home.resolve(AdminBootstrap.DEFAULT_FILE);
        Files.createDirectories(home);
        Files.writeString(file, TestSecrets.password(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> start(home, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage(file + " may be read by other users: make it readable by its owner only (chmod 600 " + file
                        + ") and start again");
        assertThat(file).exists();
    }

    @Test
    void theEnvironmentVariableIsConsumedOnce() {
        String password = TestSecrets.password();
        Map<String, String> env = Map.of(AdminBootstrap.ENV, password);
        try (TestPlatform p = start(home, env)) {
            assertThat(p.platform().users().accounts().find("admin")).isPresent();
            AdminApiClient api = AdminApiClient.of(p);
            String token = api.token("admin", password);
            assertThat(api.put("/api/v1/users/admin/role", token, "{\"role\":\"admin\"}").status()).isEqualTo(200);
        }
        try (TestPlatform p = start(home, Map.of(AdminBootstrap.ENV, TestSecrets.password()))) {
            assertThat(p.platform().users().accounts().list()).hasSize(1);
            assertThat(AdminApiClient.of(p).login("admin", password).status()).as("the first password stays").isEqualTo(200);
            assertThat(p.audit(200)).filteredOn(r -> r.action().equals("user.create")).hasSize(1);
        }
    }

    @Test
    void aWeakBootstrapPasswordStopsTheStartSayingWhy() {
        assertThatThrownBy(() -> start(home, Map.of(AdminBootstrap.ENV, "admin123")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot create the bootstrap admin 'admin' from environment variable " + AdminBootstrap.ENV
                        + ": password must have at least 12 characters (it has 8)");
    }
}
