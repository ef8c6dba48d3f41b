package io.deviceguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.JarProcess;
import io.deviceguard.testing.JarProcess.Result;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestDatabase;
import io.deviceguard.testing.TestSecrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's story with the packaged jar, each step its own JVM as a user would type it: create the first admin
 * offline on the host, start the platform, log in, create a device over the API, list devices, read the user's audit
 * trail, log out, and be refused on the next call.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CliEndToEndIT {

    @TempDir
    Path tmp;

    @Test
    void userAddLoginDeviceCreateListAuditLogoutThenRefused() throws Exception {
        Path home = tmp.resolve("home");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Map<String, String> env = Map.of(CliEnvironment.CONFIG_DIR, tmp.resolve("cli").toString());
        String password = TestSecrets.password();
        String log = "CliEndToEndIT";

        Result add = JarProcess.run(log, work, env, password + "\n", "user", "add", "alice", "--role", "admin",
                "--home", home.toString(), "--password-stdin");
        assertThat(add.exit()).as(add.output()).isZero();
        assertThat(add.output()).contains("User alice created with role admin.");

        int adminPort = Ports.free();
        ProcessBuilder run = new ProcessBuilder(JarProcess.command("run", "--home", home.toString(), "--mqtt-port",
                Integer.toString(Ports.free()), "--admin-port", Integer.toString(adminPort), "--management-port", "0",
                "--deviceguard.mqtt.host=127.0.0.1", "--deviceguard.node.id=e2e"))
                .directory(work.toFile()).redirectErrorStream(true);
        run.environment().putAll(TestDatabase.environment(home));
        Process platform = run.start();
        List<String> platformOutput = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> collect(platform, platformOutput), "platform-output");
        reader.setDaemon(true);
        reader.start();
        try {
            await("the platform is ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .failFast(() -> assertThat(platform.isAlive()).as(String.join("\n", platformOutput)).isTrue())
                    .until(() -> platformOutput.stream().anyMatch(l -> l.contains("deviceguard ready in")));
            assertThat(platformOutput).noneMatch(l -> l.contains("No admin account exists"));
            String url = "https://127.0.0.1:" + adminPort;

            Result login = JarProcess.run(log, work, env, password + "\n", "login", "--url", url, "--home",
                    home.toString(), "--username", "alice", "--password-stdin");
            assertThat(login.exit()).as(login.output()).isZero();
            assertThat(login.output()).contains("Logged in to " + url + " as alice (role admin).");
            Path session = tmp.resolve("cli").resolve("session");
            assertThat(Files.getPosixFilePermissions(session)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Properties stored = new Properties();
            stored.load(Files.newBufferedReader(session));
            String token = stored.getProperty("token");

            Path out = tmp.resolve("device-files");
            Result create = JarProcess.run(log, work, env, null, "device", "create", "pump-0042", "--out", out.toString());
            assertThat(create.exit()).as(create.output()).isZero();
            assertThat(create.output()).contains("Device pump-0042 registered (ACTIVE), certificate ");
            assertThat(out.resolve("pump-0042.key")).exists();
            assertThat(out.resolve("pump-0042.p12")).exists();
            assertThat(out.resolve("ca.pem")).exists();

            Result list = JarProcess.run(log, work, env, null, "device", "list");
            assertThat(list.exit()).as(list.output()).isZero();
            assertThat(list.output().lines()).anySatisfy(l -> assertThat(l).startsWith("pump-0042").contains("ACTIVE"));

            Result audit = JarProcess.run(log, work, env, null, "audit", "list", "--user", "alice", "--limit", "50");
            assertThat(audit.exit()).as(audit.output()).isZero();
            assertThat(audit.output().lines()).anySatisfy(l -> assertThat(l).contains("user").contains("login")
                    .contains("alice"));
            assertThat(audit.output().lines()).anySatisfy(l -> assertThat(l).contains("api").contains("devices.create")
                    .contains("pump-0042"));
            assertThat(audit.output().lines()).anySatisfy(l -> assertThat(l).contains("user.create")
                    .contains("user:alice").contains("host:"));
            assertThat(audit.output()).doesNotContain(password).doesNotContain(token);

            Result logout = JarProcess.run(log, work, env, null, "logout");
            assertThat(logout.exit()).as(logout.output()).isZero();
            assertThat(logout.output()).contains("Logged out alice from " + url + ": the session is ended on the platform");
            assertThat(session).doesNotExist();

            Result after = JarProcess.run(log, work, env, null, "device", "list");
            assertThat(after.exit()).isEqualTo(1);
            assertThat(after.output()).contains("deviceguard: not logged in: run 'deviceguard login' first")
                    .doesNotContain("STATUS");
            AdminApiClient.Reply old = new AdminApiClient(adminPort, home.resolve("certs/root-ca.pem"))
                    .get("/api/v1/devices", token);
            assertThat(old.status()).as("the server refuses the old token too").isEqualTo(401);
        } finally {
            platform.destroy();
            if (!platform.waitFor(30, TimeUnit.SECONDS)) {
                platform.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5000);
            JarProcess.log(log + "-platform", String.join("\n", platformOutput) + "\n");
        }
    }

    private static void collect(Process p, List<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("(output unreadable: " + e.getMessage() + ")");
        }
    }
}
