package io.deviceguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.CliRunner;
import io.deviceguard.testing.CliRunner.Result;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The command line over the admin API, run in this JVM against a real platform: login with --password-stdin, the
 * session file and its mode, user and device commands as an admin and as an operator, the messages a refused call
 * prints, and the host mode that --home keeps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliApiIT {

    private TestPlatform platform;
    private Path tmp;
    private String url;
    private final String adminPassword = TestSecrets.password();
    private final String operatorPassword = TestSecrets.password();

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("cli-api");
        platform = TestPlatform.start(tmp.resolve("home"));
        platform.createUser("ada", Role.ADMIN, adminPassword);
        platform.createUser("otto", Role.OPERATOR, operatorPassword);
        url = "https://127.0.0.1:" + platform.adminPort();
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private CliRunner loggedIn(String dir, String user, String password) {
        CliRunner cli = new CliRunner(tmp.resolve(dir));
        Result r = cli.run(password + "\n", "login", "--url", url, "--home", platform.home().toString(), "--username", user,
                "--password-stdin");
        assertThat(r.exit()).as(r.err()).isZero();
        return cli;
    }

    @Test
    void loginStoresTheSessionReadableByItsOwnerOnly() throws Exception {
        CliRunner cli = new CliRunner(tmp.resolve("cfg-login"));
        Result r = cli.run(adminPassword + "\n", "login", "--url", url, "--home", platform.home().toString(),
                "--username", "ada", "--password-stdin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Logged in to " + url + " as ada (role admin). The session ends after 15 minutes"
                + " without use, at ").contains("stored in " + cli.sessionFile());
        assertThat(Files.getPosixFilePermissions(cli.sessionFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(cli.sessionFile().getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        Properties p = new Properties();
        p.load(Files.newBufferedReader(cli.sessionFile()));
        assertThat(p.getProperty("url")).isEqualTo(url);
        assertThat(p.getProperty("ca")).isEqualTo(platform.home().resolve("certs/root-ca.pem").toString());
        assertThat(p.getProperty("token")).matches(TestSecrets.TOKEN);
        assertThat(Files.readString(cli.sessionFile())).doesNotContain(adminPassword);
        assertThat(r.out() + r.err()).doesNotContain(p.getProperty("token"));

        Files.setPosixFilePermissions(cli.sessionFile(), PosixFilePermissions.fromString("rw-r--r--"));
        Result refused = cli.run(null, "device", "list");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains(cli.sessionFile() + " may be read by other users");
    }

    @Test
    void aWrongPasswordStoresNothing() {
        CliRunner cli = new CliRunner(tmp.resolve("cfg-wrong"));
        Result r = cli.run("not the password " + TestSecrets.MARKER + "\n", "login", "--url", url, "--ca",
                platform.home().resolve("certs/root-ca.pem").toString(), "--username", "ada", "--password-stdin");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("deviceguard: login refused: invalid username or password\n");
        assertThat(cli.sessionFile()).doesNotExist();
    }

    @Test
    void withoutATerminalThePasswordMustComeFromStdin() {
        Result r = new CliRunner(tmp.resolve("cfg-tty")).run(null, "login", "--url", url, "--home",
                platform.home().toString(), "--username", "ada");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no terminal to ask for the password: pipe it in and add --password-stdin");
    }

    @Test
    void anAdminManagesAccountsOverTheApi() {
        CliRunner cli = loggedIn("cfg-admin", "ada", adminPassword);
        Result add = cli.run(TestSecrets.password() + "\n", "user", "add", "una", "--role", "auditor", "--password-stdin");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("User una created with role auditor.\n");
        assertThat(cli.run(null, "user", "role", "una", "operator").out()).isEqualTo("User una now has role operator.\n");
        assertThat(cli.run(null, "user", "disable", "una").out()).isEqualTo("User una: disabled (now disabled).\n");
        assertThat(cli.run(null, "user", "enable", "una").out()).isEqualTo("User una: enabled (now enabled).\n");
        assertThat(cli.run(null, "user", "unlock", "una").out()).isEqualTo("User una: unlocked (now enabled).\n");
        Result list = cli.run(null, "user", "list");
        assertThat(list.out().lines()).anySatisfy(l -> assertThat(l).startsWith("una").contains("operator").contains("enabled"));
        assertThat(platform.audit(100)).anyMatch(r -> r.action().equals("user.role") && r.actor().equals("ada")
                && "user:una".equals(r.target()));

        Result weak = cli.run("short\n", "user", "add", "weak", "--role", "auditor", "--password-stdin");
        assertThat(weak.exit()).isEqualTo(1);
        assertThat(weak.err()).isEqualTo("deviceguard: password must have at least 12 characters (it has 5)\n");
        Result badRole = cli.run(TestSecrets.password() + "\n", "user", "add", "x1", "--role", "root", "--password-stdin");
        assertThat(badRole.err()).isEqualTo("deviceguard: unknown role 'root': use one of admin, operator, auditor\n");
    }

    @Test
    void anAdminRevokesSuspendsAndResumesDevicesOverTheApiAndAnOperatorMayNot() {
        platform.createDevice("cli-rev");
        platform.createDevice("cli-sus");
        CliRunner admin = loggedIn("cfg-admin-life", "ada", adminPassword);
        Result suspend = admin.run(null, "device", "suspend", "cli-sus");
        assertThat(suspend.exit()).as(suspend.err()).isZero();
        assertThat(suspend.out()).isEqualTo("Device cli-sus is SUSPENDED; 0 live session(s) closed\n");
        assertThat(admin.run(null, "device", "resume", "cli-sus").out()).isEqualTo("Device cli-sus is ACTIVE; 0 live session(s) closed\n");
        Result revoke = admin.run(null, "device", "revoke", "cli-rev", "--reason", "lost in transit");
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).isEqualTo("Device cli-rev is REVOKED; 0 live session(s) closed\n");
        assertThat(admin.run(null, "device", "revoke", "cli-rev").err()).contains("--reason");
        Result operator = loggedIn("cfg-operator-life", "otto", operatorPassword).run(null, "device", "suspend", "cli-sus");
        assertThat(operator.exit()).isEqualTo(1);
        assertThat(operator.err()).startsWith("deviceguard: forbidden: role 'operator' may not call POST /api/v1/devices/{id}/suspend");
    }

    @Test
    void anOperatorCreatesDevicesAndIsToldPreciselyWhatItMayNotDo() throws Exception {
        CliRunner cli = loggedIn("cfg-operator", "otto", operatorPassword);
        Path out = tmp.resolve("dev-files");
        Result create = cli.run(null, "device", "create", "dev-cli", "--out", out.toString());
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(create.out()).startsWith("Device dev-cli registered (ACTIVE), certificate ");
        assertThat(Files.getPosixFilePermissions(out.resolve("dev-cli.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(out.resolve("dev-cli.p12"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String p12Password = Files.readString(out.resolve("dev-cli.p12.password")).trim();
        KeyStore ks = KeyStores.load(out.resolve("dev-cli.p12"), p12Password.toCharArray());
        X509Certificate cert = (X509Certificate) ks.getCertificate(KeyStores.KEY_ALIAS);
        assertThat(cert.getSubjectX500Principal().getName()).startsWith("CN=dev-cli");
        assertThat(Pem.readPrivateKey(out.resolve("dev-cli.key"))).isNotNull();
        assertThat(Pem.readCertificate(out.resolve("ca.pem"))).isEqualTo(platform.platform().services().pki().rootCa());
        assertThat(platform.platform().services().registry().find("dev-cli")).isPresent();

        assertThat(cli.run(null, "device", "show", "dev-cli").out()).contains("ID:                  dev-cli")
                .contains("Status:              ACTIVE");
        assertThat(cli.run(null, "device", "list").out()).contains("dev-cli");

        Result users = cli.run(null, "user", "list");
        assertThat(users.exit()).isEqualTo(1);
        assertThat(users.err()).isEqualTo("deviceguard: forbidden: role 'operator' may not call GET /api/v1/users"
                + " (allowed: admin)\n");
        Result audit = cli.run(null, "audit", "list");
        assertThat(audit.err()).isEqualTo("deviceguard: forbidden: role 'operator' may not call GET /api/v1/audit"
                + " (allowed: admin, auditor)\n");
    }

    @Test
    void auditListFiltersByUserAndTime() {
        CliRunner cli = loggedIn("cfg-audit", "ada", adminPassword);
        Result r = cli.run(null, "audit", "list", "--user", "ada", "--since", "1h", "--limit", "50");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().skip(1)).isNotEmpty()
                .allSatisfy(l -> assertThat(l).satisfiesAnyOf(x -> assertThat(x).contains(" ada "), x -> assertThat(x).contains("user:ada")));
        assertThat(r.out()).contains("login").doesNotContain(adminPassword).doesNotContainPattern(TestSecrets.TOKEN);
        Result bad = cli.run(null, "audit", "list", "--since", "yesterday");
        assertThat(bad.err()).isEqualTo("deviceguard: --since 'yesterday': give an ISO-8601 UTC time such as"
                + " 2025-01-31T12:00:00Z, or an age such as 30m, 2h or 7d\n");
    }

    @Test
    void withHomeTheCommandsStayOnTheHost() {
        CliRunner cli = loggedIn("cfg-host", "otto", operatorPassword);
        Result r = cli.run(null, "user", "list", "--home", platform.home().toString());
        assertThat(r.exit()).as("host mode does not ask the API, so the operator's role does not apply").isZero();
        assertThat(r.out()).contains("ada").contains("otto");
    }

    @Test
    void logoutEndsTheSessionAndTheNextCallIsRefused() throws Exception {
        CliRunner cli = loggedIn("cfg-logout", "ada", adminPassword);
        Properties p = new Properties();
        p.load(Files.newBufferedReader(cli.sessionFile()));
        Result out = cli.run(null, "logout");
        assertThat(out.out()).isEqualTo("Logged out ada from " + url + ": the session is ended on the platform, and the"
                + " stored token is deleted.\n");
        assertThat(cli.sessionFile()).doesNotExist();
        Result after = cli.run(null, "device", "list");
        assertThat(after.exit()).isEqualTo(1);
        assertThat(after.err()).isEqualTo("deviceguard: not logged in: run 'deviceguard login' first, or give --home DIR"
                + " to work on the platform's host\n");
        AdminApiClient.Reply old = AdminApiClient.of(platform).get("/api/v1/devices", p.getProperty("token"));
        assertThat(old.status()).isEqualTo(401);
        assertThat(old.detail()).isEqualTo("this session was ended by logout: log in again");
        assertThat(cli.run(null, "logout").out()).isEqualTo("Not logged in.\n");
    }
}
