package io.deviceguard.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.pki.Pki;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Simulator;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.user.Actor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a command takes to reach N simulated devices and to have all their results back: the figure of issue 6.
 * Not part of {@code mvn verify} (its name matches no test pattern); run it with
 * {@code mvn -B verify -Dit.test=CommandFanOutBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfanout.devices=1000}.
 */
class CommandFanOutBenchmark {

    @TempDir
    Path home;

    @Test
    void fanOutToTheFleetAndCollectAllResults() {
        int n = Integer.getInteger("fanout.devices", 1000);
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.commands.pollMillis", "100"))) {
            List<DeviceIdentity> fleet = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = String.format("fan-%04d", i);
                fleet.add(p.createDevice(id).identity());
                ids.add(id);
            }
            long c0 = System.nanoTime();
            List<DeviceClient> clients = Simulator.answeringCommands(fleet, "localhost", p.mqttPort(),
                    p.platform().services().pki().commandCertificate(), "1.0");
            System.out.printf("fan-out benchmark: %d of %d devices connected in %d ms%n", clients.size(), n,
                    (System.nanoTime() - c0) / 1_000_000);
            Commands commands = p.platform().commands();
            commands.createGroup("fleet", Actor.host("bench"));
            commands.addToGroup("fleet", ids, Actor.host("bench"));
            long t0 = System.nanoTime();
            Command c = commands.create("configure", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                    .put("sampleRateHz", 50), "group:fleet", Rollout.UNLIMITED, null, null, Actor.host("bench"));
            long[] allSent = {0};
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<ExecutionState, Integer> counts = commands.status(c.id(), false).counts();
                if (allSent[0] == 0 && counts.get(ExecutionState.QUEUED) == 0) {
                    allSent[0] = System.nanoTime();
                }
                return commands.status(c.id(), false).command().state() == CommandState.COMPLETED;
            });
            long done = System.nanoTime();
            Commands.Status s = commands.status(c.id(), false);
            System.out.printf("fan-out benchmark: %d devices, all published after %d ms, all %d results in after %d ms (%s)%n",
                    n, (allSent[0] - t0) / 1_000_000, n, (done - t0) / 1_000_000, s.counts());
            assertThat(s.counts().get(ExecutionState.SUCCEEDED)).isEqualTo(n);
            clients.forEach(DeviceClient::close);
        }
    }
}
