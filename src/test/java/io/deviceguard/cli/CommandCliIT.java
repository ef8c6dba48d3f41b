package io.deviceguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.CliRunner;
import io.deviceguard.testing.CliRunner.Result;
import io.deviceguard.testing.CommandDevice;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The commands of issue 6 exactly as a user types them, over the admin API, against a platform with simulated
 * devices: groups, send with rate, abort threshold and TTL, approval by a second user (not the requester), status
 * with and without --devices, cancel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandCliIT {

    private static final Pattern ID = Pattern.compile("Command ([0-9a-f-]{36})");
    private TestPlatform platform;
    private Path tmp;
    private CliRunner otto;
    private CliRunner olga;
    private final List<CommandDevice> devices = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("cli-commands");
        platform = TestPlatform.start(tmp.resolve("home"));
        otto = login("otto");
        olga = login("olga");
        for (String id : List.of("DEV1", "DEV2", "DEV3")) {
            devices.add(CommandDevice.online(platform, id, "2.0.0"));
        }
    }

    private CliRunner login(String name) {
        String password = TestSecrets.password();
        platform.createUser(name, Role.OPERATOR, password);
        CliRunner cli = new CliRunner(tmp.resolve("cfg-" + name));
        Result r = cli.run(password + "\n", "login", "--url", "https://127.0.0.1:" + platform.adminPort(), "--home",
                platform.home().toString(), "--username", name, "--password-stdin");
        assertThat(r.exit()).as(r.err()).isZero();
        return cli;
    }

    @AfterAll
    void stop() {
        devices.forEach(CommandDevice::close);
        platform.close();
    }

    private static String id(Result r) {
        Matcher m = ID.matcher(r.out());
        assertThat(m.find()).as(r.out() + r.err()).isTrue();
        return m.group(1);
    }

    private String awaitStatus(String id, String state) {
        String[] out = new String[1];
        await(id + " " + state).atMost(Duration.ofSeconds(30)).until(() -> {
            out[0] = otto.run(null, "command", "status", id, "--devices").out();
            return out[0].contains(", " + state + "\n");
        });
        return out[0];
    }

    @Test
    void groupsAndARateLimitedRebootWithStatusPerDevice() {
        assertThat(otto.run(null, "group", "create", "ward-3").out()).contains("Group ward-3 created");
        assertThat(otto.run(null, "group", "add", "ward-3", "DEV1", "DEV2", "DEV3").out()).contains("Added 3 device(s) to ward-3; it has 3");
        Result sent = otto.run(null, "command", "send", "--type", "reboot", "--target", "group:ward-3", "--rate", "100/min",
                "--abort-at", "10%:20", "--ttl", "1h");
        assertThat(sent.exit()).as(sent.err()).isZero();
        assertThat(sent.out()).contains("(reboot to group:ward-3): RUNNING");
        String status = awaitStatus(id(sent), "COMPLETED");
        assertThat(status).contains("executions: SUCCEEDED 3").contains("DEV1").contains("DEV2").contains("DEV3");
        assertThat(otto.run(null, "command", "status", id(sent)).out()).doesNotContain("DEV1");
    }

    @Test
    void configureOneDevice() {
        Result sent = otto.run(null, "command", "send", "--type", "configure", "--target", "device:DEV1", "--params",
                "{\"sampleRateHz\":50}");
        awaitStatus(id(sent), "COMPLETED");
        assertThat(devices.get(0).commands().configuration()).containsEntry("sampleRateHz", 50);
    }

    @Test
    void highRiskCommandsNeedASecondOperator() {
        Result sent = otto.run(null, "command", "send", "--type", "software-update", "--target", "all", "--params",
                "{\"version\":\"2.4.1\",\"uri\":\"https://updates.example/fw-2.4.1.bin\",\"sha256\":\"" + "0f".repeat(32) + "\"}");
        assertThat(sent.out()).contains("PENDING_APPROVAL").contains("deviceguard command approve " + id(sent));
        Result self = otto.run(null, "command", "approve", id(sent));
        assertThat(self.exit()).isEqualTo(1);
        assertThat(self.err()).contains("forbidden: user otto requested command " + id(sent)
                + " and cannot approve it: a second operator or admin must");
        Result approved = olga.run(null, "command", "approve", id(sent));
        assertThat(approved.out()).as(approved.err()).contains("approved by olga: RUNNING");
        assertThat(awaitStatus(id(sent), "COMPLETED")).contains("SUCCEEDED 3");
    }

    @Test
    void remoteAccessCanBeCancelled() {
        Result sent = otto.run(null, "command", "send", "--type", "remote-access", "--target", "device:DEV2", "--params",
                "{\"app\":\"teamviewer\",\"minutes\":30,\"reason\":\"service call 17\"}");
        assertThat(olga.run(null, "command", "approve", id(sent)).exit()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> otto.run(null, "command", "status", id(sent)).out().contains("DELIVERED 1"));
        assertThat(otto.run(null, "command", "cancel", id(sent)).out()).contains(": CANCELLED");
        assertThat(otto.run(null, "command", "status", id(sent), "--devices").out()).contains("CANCELLED 1");
        Result bad = otto.run(null, "command", "send", "--type", "remote-access", "--target", "device:DEV2", "--params",
                "{\"app\":\"teamviewer\",\"minutes\":600,\"reason\":\"too long\"}");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("longer than the allowed maximum of 120 minutes");
    }
}
