package io.deviceguard.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.CommandDevice;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.pki.Pki;
import io.deviceguard.user.Actor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform stops in the middle of a rollout and starts again on the same home: the rollout resumes from the
 * database, every device ends SUCCEEDED, and none carries the command out twice (idempotent by commandId).
 */
class CommandRestartIT {

    @TempDir
    Path home;

    @Test
    void aPlatformRestartMidRolloutResumesWithNoDuplicates() throws Exception {
        Map<String, String> props = new HashMap<>(TestPlatform.testProperties());
        props.put("deviceguard.commands.pollMillis", "100");
        List<CommandDevice> fleet = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String commandId;
        TestPlatform first = TestPlatform.start(home, props);
        try {
            for (int i = 0; i < 20; i++) {
                DeviceFiles f = first.createDevice("restart-" + i);
                CommandDevice d = new CommandDevice(f, f.ca().resolveSibling(Pki.COMMAND_CERT), first.mqttPort(), "1.0");
                d.connect();
                fleet.add(d);
                ids.add(f.id());
            }
            Commands commands = first.platform().commands();
            commands.createGroup("restart", Actor.host("alice"));
            commands.addToGroup("restart", ids, Actor.host("alice"));
            commandId = commands.create("reboot", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(),
                    "group:restart", new Rollout(300, null, null), null, null, Actor.host("alice")).id();
            await().atMost(Duration.ofSeconds(30)).until(() -> commands.status(commandId, false).counts()
                    .get(ExecutionState.SUCCEEDED) >= 5);
        } finally {
            first.close();
        }
        fleet.forEach(CommandDevice::disconnect);
        int before = (int) fleet.stream().filter(d -> d.commands().reboots() > 0).count();
        assertThat(before).as("stopped mid-rollout").isBetween(5, 19);

        try (TestPlatform second = TestPlatform.start(home, props)) {
            fleet.forEach(CommandDevice::connect);
            Commands commands = second.platform().commands();
            await().atMost(Duration.ofSeconds(60)).until(() -> commands.status(commandId, false).command().state()
                    == CommandState.COMPLETED);
            Commands.Status s = commands.status(commandId, true);
            assertThat(s.counts().get(ExecutionState.SUCCEEDED)).isEqualTo(20);
            assertThat(fleet).allSatisfy(d -> assertThat(d.commands().reboots()).as(d.id() + " rebooted once").isEqualTo(1));
            second.awaitAudit("resumed sends audited", r -> r.action().equals("execution.sent") && commandId.equals(r.target()));
        } finally {
            fleet.forEach(CommandDevice::close);
        }
    }
}
