package io.deviceguard.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.cli.DeviceGuardCommand;
import io.deviceguard.testing.TestDatabase;
import io.deviceguard.testing.TestPlatform;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device SDK at fleet scale: 100 simulated devices for 30 s against a running platform, nothing rejected. */
class SimulatorIT {

    @TempDir
    Path home;

    @Test
    void hundredSimulatedDevicesForThirtySecondsWithNoRejection() throws Exception {
        try (TestPlatform p = TestPlatform.start(home)) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            String[] args = {"simulate", "--home", home.toString(), "--devices", "100", "--rate", "1", "--duration", "30s",
                    "--host", "localhost", "--mqtt-port", Integer.toString(p.mqttPort())};
            int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                    TestDatabase.cliEnvironment(args)).execute(args);
            System.out.println(out);
            assertThat(exit).as(out + "\n" + err).isZero();
            Matcher m = Pattern.compile("connected (\\d+), sent (\\d+), acknowledged by the broker (\\d+), failed (\\d+)").matcher(out.toString());
            assertThat(m.find()).as(out.toString()).isTrue();
            long sent = Long.parseLong(m.group(2));
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(100);
            assertThat(sent).as("about 100 devices x 1 msg/s x 30 s").isBetween(2_700L, 3_100L);
            assertThat(Long.parseLong(m.group(3))).isEqualTo(sent);
            assertThat(out.toString()).contains("rejected by the platform's integrity checks: 0");
            await().atMost(Duration.ofSeconds(60)).until(() -> p.count("select count(*) from telemetry where device_id like 'sim-%'") == sent);
            assertThat(p.count("select count(*) from quarantine")).isZero();
        }
    }

}
