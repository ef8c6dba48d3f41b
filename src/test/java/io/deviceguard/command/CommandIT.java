package io.deviceguard.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.pki.Pki;
import io.deviceguard.sdk.DeviceCommands;
import io.deviceguard.testing.CommandDevice;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.user.Actor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cloud-to-device commands end to end on a real platform (broker over mutual TLS, H2, routes): simulated devices of
 * the SDK verify each signed command, report DELIVERED and their result, and the platform tracks every execution.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Actor ALICE = Actor.host("alice");
    private static final Actor BOB = Actor.host("bob");

    private TestPlatform p;
    private Commands commands;
    private final List<CommandDevice> devices = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        p = TestPlatform.start(Files.createTempDirectory("commands"), Map.of("deviceguard.commands.customTypes", "calibrate",
                "deviceguard.commands.pollMillis", "100"));
        commands = p.platform().commands();
    }

    @AfterAll
    void stop() {
        devices.forEach(CommandDevice::close);
        if (p != null) {
            p.close();
        }
    }

    private CommandDevice device(String id, String version) {
        CommandDevice d = CommandDevice.online(p, id, version);
        devices.add(d);
        return d;
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Command send(String type, String params, String target, Rollout rollout, Integer ttl, Integer timeout) {
        return commands.create(type, json(params), target, rollout, ttl, timeout, ALICE);
    }

    private Commands.Status awaitState(String id, CommandState state) {
        await(id + " " + state).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> commands.status(id, false).command().state() == state);
        return commands.status(id, true);
    }

    private Execution execution(String id, String device) {
        return commands.status(id, true).executions().stream().filter(e -> e.deviceId().equals(device)).findFirst().orElseThrow();
    }

    @Test
    void eachTypeEndToEndToSucceeded() {
        CommandDevice d = device("type-1", "2.0.0");
        d.commands().on("calibrate", (id, params, later) -> DeviceCommands.Result.ok("calibrated " + params.path("sensor").asText()));

        Command configure = send("configure", "{\"sampleRateHz\":50}", "device:type-1", Rollout.UNLIMITED, null, null);
        assertThat(awaitState(configure.id(), CommandState.COMPLETED).executions()).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(ExecutionState.SUCCEEDED));
        assertThat(d.commands().configuration()).containsEntry("sampleRateHz", 50);

        Command reboot = send("reboot", "{}", "device:type-1", Rollout.UNLIMITED, null, null);
        awaitState(reboot.id(), CommandState.COMPLETED);
        assertThat(execution(reboot.id(), "type-1").state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(d.commands().reboots()).isEqualTo(1);

        // high-risk types wait for a second user
        Command access = send("remote-access", "{\"app\":\"teamviewer\",\"minutes\":0.02,\"reason\":\"ticket 4711\"}",
                "device:type-1", Rollout.UNLIMITED, null, null);
        assertThat(access.state()).isEqualTo(CommandState.PENDING_APPROVAL);
        commands.approve(access.id(), BOB);
        awaitState(access.id(), CommandState.COMPLETED);
        Execution grant = execution(access.id(), "type-1");
        assertThat(grant.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(grant.detail()).startsWith("remote-access teamviewer ended after");
        assertThat(Duration.between(grant.deliveredAt(), grant.finishedAt())).as("the grant ran its 1.2 s, then ended by itself")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1100));
        p.awaitAudit("grant start reported", r -> r.action().equals("execution.delivered") && r.target().equals(access.id())
                && r.details().contains("remote-access teamviewer started"));
        assertThat(d.commands().activeGrants()).isZero();

        Command update = send("software-update", "{\"version\":\"2.4.1\",\"uri\":\"https://updates.example/fw-2.4.1.bin\","
                + "\"sha256\":\"" + "ab".repeat(32) + "\"}", "device:type-1", Rollout.UNLIMITED, null, null);
        commands.approve(update.id(), BOB);
        awaitState(update.id(), CommandState.COMPLETED);
        assertThat(execution(update.id(), "type-1").state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(d.commands().softwareVersion()).isEqualTo("2.4.1");

        Command downgrade = send("software-update", "{\"version\":\"2.3.9\",\"uri\":\"https://updates.example/fw.bin\","
                + "\"sha256\":\"" + "cd".repeat(32) + "\"}", "device:type-1", Rollout.UNLIMITED, null, null);
        commands.approve(downgrade.id(), BOB);
        awaitState(downgrade.id(), CommandState.COMPLETED);
        Execution refused = execution(downgrade.id(), "type-1");
        assertThat(refused.state()).isEqualTo(ExecutionState.REJECTED);
        assertThat(refused.reason()).isEqualTo("downgrade");
        assertThat(d.commands().softwareVersion()).isEqualTo("2.4.1");

        Command custom = send("calibrate", "{\"sensor\":\"spo2\"}", "device:type-1", Rollout.UNLIMITED, null, null);
        awaitState(custom.id(), CommandState.COMPLETED);
        assertThat(execution(custom.id(), "type-1").detail()).isEqualTo("calibrated spo2");
    }

    @Test
    void parametersAreValidatedAgainstTheTypeSchema() {
        device("valid-1", "1.0");
        assertThatThrownBy(() -> send("remote-access", "{\"app\":\"teamviewer\",\"minutes\":500,\"reason\":\"long\"}",
                "device:valid-1", Rollout.UNLIMITED, null, null)).hasMessageContaining("longer than the allowed maximum of 120 minutes");
        assertThatThrownBy(() -> send("software-update", "{\"version\":\"2.4.1\",\"uri\":\"http://plain\",\"sha256\":\"00\"}",
                "device:valid-1", Rollout.UNLIMITED, null, null)).hasMessageContaining("do not match its schema");
        assertThatThrownBy(() -> send("self-destruct", "{}", "device:valid-1", Rollout.UNLIMITED, null, null))
                .hasMessageContaining("unknown command type 'self-destruct'");
        assertThatThrownBy(() -> send("reboot", "{}", "device:nobody", Rollout.UNLIMITED, null, null))
                .hasMessageContaining("not registered: nobody");
    }

    @Test
    void hundredDevicesInAGroupAllSucceed() {
        commands.createGroup("ward-3", ALICE);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(device(String.format("ward3-%03d", i), "1.0").id());
        }
        commands.addToGroup("ward-3", ids, ALICE);
        long t0 = System.nanoTime();
        Command c = send("reboot", "{}", "group:ward-3", Rollout.UNLIMITED, null, null);
        Commands.Status s = awaitState(c.id(), CommandState.COMPLETED);
        System.out.printf("100 devices: command fanned out and all results in after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(s.counts().get(ExecutionState.SUCCEEDED)).isEqualTo(100);
        // published once each: a dispatch tick still publishing when the next one fires must not send its executions again
        assertThat(p.count("select count(*) from audit_events where category = 'command' and action = 'execution.sent'"
                + " and target = ?", c.id())).as("execution.sent rows of a command to 100 devices").isEqualTo(100);
        assertThat(s.executions()).allSatisfy(e -> {
            assertThat(e.sentAt()).isNotNull();
            assertThat(e.deliveredAt()).isNotNull();
            assertThat(e.finishedAt()).isAfterOrEqualTo(e.deliveredAt());
        });
    }

    @Test
    void offlineDeviceGetsTheCommandWhenItReconnects() {
        CommandDevice d = device("offline-1", "1.0");
        d.disconnect();
        Command c = send("configure", "{\"mode\":\"night\"}", "device:offline-1", Rollout.UNLIMITED, 3600, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> execution(c.id(), "offline-1").state() == ExecutionState.SENT);
        d.connect();
        awaitState(c.id(), CommandState.COMPLETED);
        assertThat(execution(c.id(), "offline-1").state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(d.commands().configuration()).containsEntry("mode", "night");
    }

    @Test
    void ttlExpiryEndsTheExecutionAndTheBrokerDropsTheMessage() {
        CommandDevice d = device("expiry-1", "1.0");
        d.disconnect();
        Command c = send("configure", "{\"mode\":\"day\"}", "device:expiry-1", Rollout.UNLIMITED, 2, null);
        awaitState(c.id(), CommandState.COMPLETED);
        Execution e = execution(c.id(), "expiry-1");
        assertThat(e.state()).isEqualTo(ExecutionState.EXPIRED);
        assertThat(e.reason()).isEqualTo("ttl_passed");
        // back online: a later command arrives, the expired one never does (MQTT 5 message expiry [MQTT-3.3.2-5])
        d.connect();
        Command marker = send("configure", "{\"mode\":\"marker\"}", "device:expiry-1", Rollout.UNLIMITED, null, null);
        awaitState(marker.id(), CommandState.COMPLETED);
        assertThat(d.verdicts()).extracting(DeviceCommands.Verdict::commandId).containsExactly(marker.id());
        assertThat(d.commands().configuration()).doesNotContainEntry("mode", "day");
    }

    @Test
    void aDeviceThatNeverAnswersTimesOut() {
        CommandDevice d = device("silent-1", "1.0");
        d.commands().on("reboot", (id, params, later) -> null); // takes the command, never reports a result
        Command c = send("reboot", "{}", "device:silent-1", Rollout.UNLIMITED, null, 1);
        awaitState(c.id(), CommandState.COMPLETED);
        Execution e = execution(c.id(), "silent-1");
        assertThat(e.state()).isEqualTo(ExecutionState.TIMED_OUT);
        assertThat(e.deliveredAt()).isNotNull();
        assertThat(e.detail()).isEqualTo("no result within 1 s");
    }

    @Test
    void aConnectedDeviceThatNeverAcknowledgesTimesOutWhileAnOfflineOneWaits() throws Exception {
        try (io.deviceguard.sdk.DeviceClient mute = new io.deviceguard.sdk.DeviceClient(
                p.createDevice("mute-1").identity(), "localhost", p.mqttPort())) {
            mute.onCommands(bytes -> { }); // takes the command, never reports DELIVERED
            mute.connect(true);
            mute.subscribeCommands();
            CommandDevice away = device("away-1", "1.0");
            away.disconnect();
            Command c = send("reboot", "{}", "device:mute-1,away-1", Rollout.UNLIMITED, 3600, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> execution(c.id(), "mute-1").state() == ExecutionState.TIMED_OUT);
            Execution e = execution(c.id(), "mute-1");
            assertThat(e.deliveredAt()).as("never acknowledged").isNull();
            assertThat(e.detail()).isEqualTo("no acknowledgement within 1 s");
            // an offline device's silence does not count: its wait starts when it connects
            await("away-1 stays SENT while offline").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> execution(c.id(), "away-1").state() == ExecutionState.SENT);
        }
    }

    @Test
    void aCommandWithAFlippedBitIsRejectedByTheDevice() {
        CommandDevice d = device("tamper-1", "1.0");
        d.tamper(bytes -> {
            byte[] copy = bytes.clone();
            int last = copy.length - 5; // inside the signature
            copy[last] = (byte) (copy[last] == 'A' ? 'B' : 'A');
            return copy;
        });
        Command c = send("reboot", "{}", "device:tamper-1", Rollout.UNLIMITED, null, null);
        awaitState(c.id(), CommandState.COMPLETED);
        Execution e = execution(c.id(), "tamper-1");
        assertThat(e.state()).isEqualTo(ExecutionState.REJECTED);
        assertThat(e.reason()).isEqualTo("bad_signature");
        assertThat(d.commands().reboots()).isZero();
    }

    @Test
    void wrongDeviceExpiredAndReplayedCommandsAreRejectedByTheDevice() throws Exception {
        CommandDevice one = device("verify-1", "1.0");
        CommandDevice two = device("verify-2", "1.0");
        List<byte[]> captured = new java.util.concurrent.CopyOnWriteArrayList<>();
        one.tamper(bytes -> {
            captured.add(bytes);
            return bytes;
        });
        Command c = send("reboot", "{}", "device:verify-1", Rollout.UNLIMITED, null, null);
        awaitState(c.id(), CommandState.COMPLETED);
        assertThat(one.commands().reboots()).isEqualTo(1);
        byte[] signedForOne = captured.get(0);

        // replayed: the same signed command again is not carried out again
        assertThat(one.commands().handle(signedForOne).reason()).isEqualTo("replay");
        assertThat(one.commands().reboots()).isEqualTo(1);

        // a command signed for verify-1, delivered to verify-2
        assertThat(two.commands().handle(signedForOne).reason()).isEqualTo("device_mismatch");
        assertThat(two.commands().reboots()).isZero();

        // signed by the platform's key, but its exp has passed
        CommandSigner signer = new CommandSigner(p.platform().services().pki().commandSigningKey());
        String expired = signer.sign("00000000-0000-0000-0000-000000000001", "verify-2", "reboot", "{}",
                Instant.now().minusSeconds(120), Instant.now().minusSeconds(60));
        assertThat(two.commands().handle(expired.getBytes()).reason()).isEqualTo("expired");
        // signed by some other key
        String forged = new CommandSigner(io.deviceguard.pki.Certificates.newEcKeyPair().getPrivate()).sign(
                "00000000-0000-0000-0000-000000000002", "verify-2", "reboot", "{}", Instant.now(), Instant.now().plusSeconds(60));
        assertThat(two.commands().handle(forged.getBytes()).reason()).isEqualTo("bad_signature");
        assertThat(two.commands().reboots()).isZero();
        // the device's verdict is the platform's record: execution REJECTED with the device's reason
        assertThat(execution(c.id(), "verify-1").state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    @Test
    void theRolloutRateIsObserved() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(device("rate-" + i, "1.0").id());
        }
        Command c = send("reboot", "{}", "device:" + String.join(",", ids), new Rollout(120, null, null), null, null);
        Commands.Status s = awaitState(c.id(), CommandState.COMPLETED);
        List<Instant> sent = s.executions().stream().map(Execution::sentAt).sorted().toList();
        // 120/min = one every 500 ms: six sends span at least 2.5 s (less a tick of tolerance), and none come in a burst
        assertThat(Duration.between(sent.get(0), sent.get(5))).isGreaterThanOrEqualTo(Duration.ofMillis(2_500 - 150));
        for (int i = 1; i < sent.size(); i++) {
            assertThat(Duration.between(sent.get(i - 1), sent.get(i))).as("gap before send %d", i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(500 - 150));
        }
        assertThat(s.counts().get(ExecutionState.SUCCEEDED)).isEqualTo(6);
    }

    @Test
    void theAbortThresholdStopsARollout() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CommandDevice d = device("abort-" + i, "1.0");
            d.commands().on("reboot", (id, params, later) -> DeviceCommands.Result.failed("disk_full", "no space left"));
            ids.add(d.id());
        }
        Command c = send("reboot", "{}", "device:" + String.join(",", ids), new Rollout(240, 10, 3), null, null);
        Commands.Status s = awaitState(c.id(), CommandState.ABORTED);
        assertThat(s.command().reason()).startsWith("3 failures in 3 results exceed 10%");
        await().atMost(Duration.ofSeconds(10)).until(() -> commands.status(c.id(), false).counts().get(ExecutionState.QUEUED) == 0);
        Commands.Status after = commands.status(c.id(), true);
        assertThat(after.counts().get(ExecutionState.CANCELLED)).as("the rest is cancelled").isGreaterThanOrEqualTo(6);
        assertThat(after.executions()).filteredOn(e -> e.state() == ExecutionState.CANCELLED)
                .allSatisfy(e -> assertThat(e.sentAt()).as("cancelled before it was sent").isNull());
        p.awaitAudit("abort audited", r -> r.action().equals("command.abort") && r.target().equals(c.id()));
    }

    @Test
    void aSuccessThatBringsTheResultsToTheMinimumStillAborts() {
        // 40%:4 with two failures first (2 results: under the minimum), then two successes: 2 of 4 is 50 % > 40 %
        List<String> ids = new ArrayList<>();
        List<Runnable> pendingSuccesses = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 2; i++) {
            CommandDevice d = device("late-fail-" + i, "1.0");
            d.commands().on("reboot", (id, params, later) -> DeviceCommands.Result.failed("disk_full", "no space left"));
            ids.add(d.id());
        }
        for (int i = 0; i < 2; i++) {
            CommandDevice d = device("late-ok-" + i, "1.0");
            d.commands().on("reboot", (id, params, later) -> {
                pendingSuccesses.add(() -> later.report(id, "SUCCEEDED", null, "rebooted"));
                return null;
            });
            ids.add(d.id());
        }
        Command c = send("reboot", "{}", "device:" + String.join(",", ids), new Rollout(null, 40, 4), 3600, 600);
        await().atMost(Duration.ofSeconds(30)).until(() -> commands.status(c.id(), false).counts().get(ExecutionState.FAILED) == 2
                && pendingSuccesses.size() == 2);
        assertThat(commands.status(c.id(), false).command().state()).as("2 results: under the minimum").isEqualTo(CommandState.RUNNING);
        pendingSuccesses.forEach(Runnable::run);
        Commands.Status s = awaitState(c.id(), CommandState.ABORTED);
        assertThat(s.command().reason()).startsWith("2 failures in 4 results exceed 40%");
        assertThat(s.counts().get(ExecutionState.SUCCEEDED)).isEqualTo(2);
    }

    @Test
    void approvalIsRequiredAndSelfApprovalRefused() {
        device("approve-1", "1.0");
        Command c = send("remote-access", "{\"app\":\"teamviewer\",\"minutes\":1,\"reason\":\"service call\"}",
                "device:approve-1", Rollout.UNLIMITED, null, null);
        assertThat(c.state()).isEqualTo(CommandState.PENDING_APPROVAL);
        assertThat(execution(c.id(), "approve-1").state()).as("nothing is sent before approval").isEqualTo(ExecutionState.QUEUED);
        assertThatThrownBy(() -> commands.approve(c.id(), ALICE)).isInstanceOfSatisfying(CommandException.class, e -> {
            assertThat(e.kind()).isEqualTo(CommandException.Kind.FORBIDDEN);
            assertThat(e.code()).isEqualTo("self_approval");
            assertThat(e.getMessage()).isEqualTo("user alice requested command " + c.id()
                    + " and cannot approve it: a second operator or admin must");
        });
        p.awaitAudit("self-approval refused", r -> r.action().equals("command.approve") && r.outcome().equals("denied")
                && r.target().equals(c.id()) && r.actor().equals("alice"));
        Command approved = commands.approve(c.id(), BOB);
        assertThat(approved.approvedBy()).isEqualTo("bob");
        p.awaitAudit("approval", r -> r.action().equals("command.approve") && r.outcome().equals("success")
                && r.target().equals(c.id()) && r.actor().equals("bob"));
        await().atMost(Duration.ofSeconds(20)).until(() -> execution(c.id(), "approve-1").state() == ExecutionState.DELIVERED);
        commands.cancel(c.id(), BOB);
        assertThat(execution(c.id(), "approve-1").state()).isEqualTo(ExecutionState.CANCELLED);
    }

    @Test
    void everyTransitionIsAuditedAndTheSendRowComesFirst() {
        device("audit-1", "1.0");
        Command c = send("reboot", "{}", "device:audit-1", Rollout.UNLIMITED, null, null);
        awaitState(c.id(), CommandState.COMPLETED);
        AuditRecord created = p.awaitAudit("created", r -> r.action().equals("command.create") && c.id().equals(r.target()));
        AuditRecord sentRow = p.awaitAudit("sent", r -> r.action().equals("execution.sent") && c.id().equals(r.target()));
        AuditRecord delivered = p.awaitAudit("delivered", r -> r.action().equals("execution.delivered") && c.id().equals(r.target()));
        AuditRecord done = p.awaitAudit("succeeded", r -> r.action().equals("execution.succeeded") && c.id().equals(r.target()));
        p.awaitAudit("completed", r -> r.action().equals("command.complete") && c.id().equals(r.target()));
        assertThat(created.seq()).isLessThan(sentRow.seq());
        assertThat(sentRow.seq()).isLessThan(delivered.seq());
        assertThat(delivered.seq()).isLessThan(done.seq());
        assertThat(delivered.actor()).isEqualTo("audit-1");
        // the send row is durable before the publish: the device's report, which needs the publish, is stored after it
        AuditRecord statusMessage = p.awaitAudit("status message", r -> r.category().equals("message")
                && r.action().equals("commands/status") && "audit-1".equals(r.actor()));
        assertThat(sentRow.seq()).isLessThan(statusMessage.seq());
        assertThat(Path.of(Pki.COMMAND_CERT)).isNotNull();
    }
}
