package io.deviceguard.it;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.TestPlatform;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real, independent MQTT client against the platform: Debian's mosquitto_pub and mosquitto_sub, MQTT 5 and
 * 3.1.1, over mutual TLS with the files {@code device create} writes. Without the binaries the class is skipped,
 * unless {@code -Dinterop.required=true} (CI), where their absence is a failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MosquittoInteropIT {

    private static final String INSTALL = "install mosquitto-clients (apt-get install mosquitto-clients)";
    private static final String ID = "dev-mosq";

    @TempDir
    static Path home;

    private TestPlatform platform;
    private DeviceFiles device;
    private MqttClient service;

    @BeforeAll
    void start() throws Exception {
        requireBinaries("mosquitto_pub", "mosquitto_sub");
        platform = TestPlatform.start(home);
        device = platform.createDevice(ID);
        Pki pki = platform.platform().services().pki();
        service = Mqtt.connect5(platform.mqttPort(), "_deviceguard-interop-" + UUID.randomUUID(), pki.serviceClientContext());
    }

    @AfterAll
    void stop() {
        Mqtt.closeQuietly(service);
        if (platform != null) {
            platform.close();
        }
    }

    private static void requireBinaries(String... names) {
        List<String> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).toList();
        for (String name : names) {
            boolean found = path.stream().anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, name)));
            if (!found) {
                if ("true".equals(System.getProperty("interop.required"))) {
                    fail(name + " not found on PATH: " + INSTALL);
                }
                Assumptions.assumeTrue(false, name + " not found on PATH: " + INSTALL);
            }
        }
    }

    @ParameterizedTest(name = "mosquitto_pub -V {0}")
    @ValueSource(strings = {"mqttv5", "mqttv311"})
    void publishedTelemetryIsAcceptedAuditedAndStored(String version) throws Exception {
        // a device's messages are signed envelopes (integrity inspection refuses anything else)
        String marker = Messages.marker();
        String payload = Messages.sign(device, Messages.payload(ID, marker));
        long seqBefore = lastSeq();

        Proc pub = Proc.run(Duration.ofSeconds(30), "mosquitto_pub", "-h", "127.0.0.1", "-p", port(), "-V", version,
                "--cafile", device.ca().toString(), "--cert", device.certificate().toString(),
                "--key", device.key().toString(), "-i", ID, "-t", "devices/" + ID + "/telemetry", "-q", "1",
                "-m", payload);

        assertThat(pub.exit()).as("mosquitto_pub exit code; %s", pub).isZero();
        AuditRecord accepted = platform.awaitAudit("MESSAGE row for " + ID, row("message", "telemetry", "success")
                .and(r -> r.seq() > seqBefore && r.actor().equals(ID) && ("devices/" + ID + "/telemetry").equals(r.target())));
        assertThat(accepted.actorType()).isEqualTo("device");
        await("telemetry row with the payload").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> telemetryPayloads(ID).stream().anyMatch(p -> p.contains(marker)));
    }

    @Test
    void publishWithoutClientCertificateIsRefusedAtTheHandshakeAndAudited() throws Exception {
        long seqBefore = lastSeq();

        Proc pub = Proc.run(Duration.ofSeconds(30), "mosquitto_pub", "-h", "127.0.0.1", "-p", port(), "-V", "mqttv5",
                "--cafile", device.ca().toString(), "-i", ID, "-t", "devices/" + ID + "/telemetry", "-q", "1",
                "-m", "{\"no\":\"certificate\"}");

        assertThat(pub.exit()).as("mosquitto_pub must fail; %s", pub).isNotZero();
        AuditRecord refused = platform.awaitAudit("tls-handshake refusal", row("connection", "tls-handshake", "denied")
                .and(reason("no_client_certificate")).and(r -> r.seq() > seqBefore));
        assertThat(refused.target()).startsWith("127.0.0.1:");
        assertThat(telemetryPayloads(ID)).doesNotContain("{\"no\":\"certificate\"}");
    }

    @ParameterizedTest(name = "mosquitto_sub -V {0}")
    @ValueSource(strings = {"mqttv5", "mqttv311"})
    void subscriberReceivesACommandPublishedByTheService(String version) throws Exception {
        String topic = "devices/" + ID + "/commands";
        String command = "{\"type\":\"reboot\",\"version\":\"" + version + "\",\"commandId\":\"" + UUID.randomUUID() + "\"}";

        Proc.Running sub = Proc.start("mosquitto_sub", "-h", "127.0.0.1", "-p", port(), "-V", version,
                "--cafile", device.ca().toString(), "--cert", device.certificate().toString(),
                "--key", device.key().toString(), "-i", ID, "-t", topic, "-q", "1", "-C", "1", "-W", "20");
        try {
            // a QoS 1 message published before the SUBSCRIBE is processed has no subscriber and is dropped:
            // publish until the subscriber has received one and exited (-C 1)
            try {
                await("mosquitto_sub receives the command").atMost(Duration.ofSeconds(25))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            if (sub.process().isAlive()) {
                                Mqtt.publish(service, topic, command);
                            }
                            return !sub.process().isAlive();
                        });
            } catch (ConditionTimeoutException e) {
                sub.process().destroyForcibly();
                fail("mosquitto_sub received nothing; " + sub.finish(Duration.ofSeconds(5)), e);
            }
            Proc done = sub.finish(Duration.ofSeconds(5));
            assertThat(done.exit()).as("mosquitto_sub exit code; %s", done).isZero();
            assertThat(done.stdout().lines()).as("the one message received").containsExactly(command);
        } finally {
            sub.process().destroyForcibly();
        }
    }

    @Test
    void subscriberMayNotListenToAnotherDevicesCommands() throws Exception {
        long seqBefore = lastSeq();

        Proc sub = Proc.run(Duration.ofSeconds(30), "mosquitto_sub", "-h", "127.0.0.1", "-p", port(), "-V", "mqttv5",
                "--cafile", device.ca().toString(), "--cert", device.certificate().toString(),
                "--key", device.key().toString(), "-i", ID, "-t", "devices/other-device/commands", "-q", "1",
                "-C", "1", "-W", "5");

        // mosquitto_sub reports the refusal (SUBACK failure code) and exits without a message
        assertThat(sub.stderr()).as("%s", sub).contains("All subscription requests were denied");
        assertThat(sub.stdout()).isEmpty();
        platform.awaitAudit("ACL refusal", r -> r.seq() > seqBefore && r.category().equals("acl")
                && r.outcome().equals("denied") && r.actor().equals(ID) && "devices/other-device/commands".equals(r.target()));
    }

    private String port() {
        return Integer.toString(platform.mqttPort());
    }

    private long lastSeq() {
        return platform.audit(1).stream().mapToLong(AuditRecord::seq).findFirst().orElse(0);
    }

    private List<String> telemetryPayloads(String id) throws Exception {
        try (Connection c = platform.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select payload from telemetry where device_id = ? and kind = 'telemetry'")) {
            ps.setString(1, id);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** A finished child process with what it printed, for assertions and failure messages. */
    record Proc(List<String> command, int exit, String stdout, String stderr) {

        static Proc run(Duration timeout, String... command) throws IOException, InterruptedException {
            return start(command).finish(timeout);
        }

        static Running start(String... command) throws IOException {
            Path out = Files.createTempFile("proc", ".out");
            Path err = Files.createTempFile("proc", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Running(List.of(command), p, out, err);
        }

        @Override
        public String toString() {
            return "exit " + exit + ", stdout: " + stdout.strip() + ", stderr: " + stderr.strip() + ", command: " + command.get(0);
        }

        /** A started child process whose output goes to temporary files. */
        record Running(List<String> command, Process process, Path out, Path err) {
            Proc finish(Duration timeout) throws IOException, InterruptedException {
                try {
                    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                        fail(command.get(0) + " did not finish within " + timeout + "; stdout: " + Files.readString(out)
                                + ", stderr: " + Files.readString(err));
                    }
                    return new Proc(command, process.exitValue(), Files.readString(out), Files.readString(err));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            }
        }
    }
}
