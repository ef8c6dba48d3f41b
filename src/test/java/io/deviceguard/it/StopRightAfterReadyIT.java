package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.testing.ChildPlatform;
import io.deviceguard.testing.JarProcess;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deviceguard run} stopped by SIGTERM the moment it prints "deviceguard ready" (a service manager restarting it,
 * a script that only waits for the line): the platform stops in order, as it does after a long run. Before, the
 * shutdown hook was added after the start, so a signal in that gap failed it with "Shutdown in progress", nothing
 * was closed, and Camel's own hook forced its way out 25 s later.
 */
class StopRightAfterReadyIT {

    @TempDir
    Path tmp;

    @Test
    void aSigtermRightAfterReadyStopsThePlatformInOrder() throws Exception {
        Path home = tmp.resolve("home");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JarProcess.jar().toString(), "run", "--home", home.toString(), "--mqtt-port", Integer.toString(Ports.free()),
                "--admin-port", Integer.toString(Ports.free()), "--management-port", "0", "--deviceguard.mqtt.host=127.0.0.1",
                "--deviceguard.node.id=quickstop").redirectErrorStream(true);
        pb.environment().putAll(TestDatabase.environment(home));
        Process p = pb.start();
        List<String> output = new CopyOnWriteArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean signalled = false;
            while ((line = r.readLine()) != null) {
                output.add(line);
                if (!signalled && line.contains("deviceguard ready in")) {
                    // no polling in between: the signal follows the line as closely as a process can send it
                    // (SIGTERM through the handle: Process.destroy() would also close the pipe this reads)
                    p.toHandle().destroy();
                    signalled = true;
                }
            }
        } finally {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            JarProcess.log("stop-right-after-ready", String.join("\n", output) + "\n");
        }
        assertThat(output).as("it became ready").anyMatch(l -> l.contains("deviceguard ready in"));
        assertThat(p.exitValue()).as("stopped by the signal").isIn(0, 130, 143);
        assertThat(output).as("the shutdown hook was in place").noneMatch(l -> l.contains("Shutdown in progress"))
                .as("nothing had to be forced").noneMatch(l -> l.contains("Forcing shutdown"));

        try (ChildPlatform audit = ChildPlatform.start("audit", "list", "--home", home.toString(), "--category", "platform")) {
            assertThat(audit.waitFor(Duration.ofSeconds(120))).as(String.join("\n", audit.output())).isZero();
            assertThat(audit.output()).as("the orderly stop is in the audit trail")
                    .anySatisfy(l -> assertThat(l).contains("platform").contains("stop"));
        }
    }
}
