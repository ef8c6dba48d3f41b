package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.cli.DeviceGuardCommand;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deviceguard run} with a broken configuration: it must stop at once with exit code 78 (EX_CONFIG) and one
 * message that names what is wrong, never start half-way and never hang. Each case has a home of its own.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadConfigIT {

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                TestDatabase.cliEnvironment(args)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** {@code run} on a loopback port of its own, plus {@code extra} arguments. */
    private static Result run(Path home, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--home", home.toString(),
                "--mqtt-port", Integer.toString(Ports.free()), "--admin-port", Integer.toString(Ports.free()),
                "--management-port", "0", "--deviceguard.mqtt.host=127.0.0.1"));
        args.addAll(List.of(extra));
        return cli(args.toArray(String[]::new));
    }

    /** A home whose PKI and database exist: made the way an operator would, with {@code device create}. */
    private Path provisionedHome() {
        Path home = tmp.resolve("home");
        Result created = cli("device", "create", "d1", "--home", home.toString(), "--out", tmp.resolve("d1").toString());
        assertThat(created.exit()).as(created.err()).isZero();
        return home;
    }

    private static void assertConfigError(Result r) {
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(DeviceGuardCommand.EXIT_CONFIG);
        assertThat(r.err()).startsWith("deviceguard: ");
    }

    @Test
    void missingServerKeyStoreIsNamed() throws IOException {
        Path home = provisionedHome();
        Files.delete(home.resolve("certs").resolve(Pki.SERVER_KEYSTORE));

        Result r = run(home);

        assertConfigError(r);
        assertThat(r.err()).contains(home.resolve("certs").resolve(Pki.SERVER_KEYSTORE).toString()).contains("missing");
        assertThat(home.resolve("certs").resolve(Pki.SERVER_KEYSTORE)).as("not silently regenerated").doesNotExist();
    }

    @Test
    void portInUseIsNamed() throws IOException {
        Path home = tmp.resolve("home");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            Result r = cli("run", "--home", home.toString(), "--mqtt-port", Integer.toString(port),
                    "--admin-port", Integer.toString(Ports.free()), "--management-port", "0", "--deviceguard.mqtt.host=127.0.0.1");

            assertConfigError(r);
            assertThat(r.err()).contains("MQTT port 127.0.0.1:" + port + " is not available").contains("--mqtt-port");
        }
    }

    @Test
    void unknownKeyOnTheCommandLineIsNamedBeforeAnythingIsCreated() {
        Path home = tmp.resolve("home");

        Result r = run(home, "--deviceguard.mqtt.prot=1");

        assertConfigError(r);
        assertThat(r.err()).contains("unknown property 'deviceguard.mqtt.prot' in the command line")
                .contains("did you mean 'deviceguard.mqtt.port'");
        assertThat(home.resolve("certs")).as("a typo generates no PKI").doesNotExist();
    }

    @Test
    void unknownKeyInTheHomeFileIsNamedWithTheFile() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Path file = home.resolve("application.properties");
        Files.writeString(file, "# my settings\ndeviceguard.mqtt.prot=1\n", StandardCharsets.UTF_8);

        Result r = run(home);

        assertConfigError(r);
        assertThat(r.err()).contains("unknown property 'deviceguard.mqtt.prot' in " + file)
                .contains("did you mean 'deviceguard.mqtt.port'");
    }

    @Test
    void malformedValueIsNamedWithWhatWasExpected() {
        Result r = run(tmp.resolve("home"), "--deviceguard.mqtt.maxPacketSize=abc");

        assertConfigError(r);
        assertThat(r.err()).contains("'deviceguard.mqtt.maxPacketSize'").contains("'abc'")
                .contains("expected a whole number greater than 0");
    }

    @Test
    void unreadableDeviceCaIsNamed() throws IOException {
        Path home = provisionedHome();
        Path deviceCa = home.resolve("certs").resolve(Pki.DEVICE_CA);
        Files.writeString(deviceCa, "garbage\u0000not a certificate\n", StandardCharsets.ISO_8859_1);

        Result r = run(home);

        assertConfigError(r);
        assertThat(r.err()).contains(deviceCa.toString());
    }

    @Test
    void deviceCaWithADamagedBodyIsNamed() throws IOException {
        Path home = provisionedHome();
        Path deviceCa = home.resolve("certs").resolve(Pki.DEVICE_CA);
        String pem = Files.readString(deviceCa, StandardCharsets.US_ASCII);
        Files.writeString(deviceCa, pem.replaceFirst("\n[A-Za-z0-9+/]{8}", "\n********"), StandardCharsets.US_ASCII);

        Result r = run(home);

        assertConfigError(r);
        assertThat(r.err()).contains(deviceCa.toString()).contains("unreadable PEM certificate");
    }

    @Test
    void argumentThatIsNotAPropertyIsRefused() {
        Result r = run(tmp.resolve("home"), "--foo");

        assertConfigError(r);
        assertThat(r.err()).contains("unknown argument '--foo'").contains("--name=value");
    }

    @Test
    void oneMessageOnlyAndNoStackTrace() {
        Result r = run(tmp.resolve("home"), "--deviceguard.tls.protocols=TLSv1.1");

        assertConfigError(r);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The real launcher: a failed start must end the JVM (the broker's threads must not keep it alive). */
    @Test
    void childProcessExitsWith78WhenThePortIsTaken() throws Exception {
        Path jar = Path.of(System.getProperty("deviceguard.jar", "target/deviceguard.jar"));
        assertThat(jar).as("the packaged jar (run after 'package')").isRegularFile();
        Path home = tmp.resolve("child-home");
        Path stdout = tmp.resolve("child.out");
        Path stderr = tmp.resolve("child.err");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString(), "run", "--home", home.toString(), "--mqtt-port", Integer.toString(port),
                    "--admin-port", Integer.toString(Ports.free()), "--management-port", "0",
                    "--deviceguard.mqtt.host=127.0.0.1", "--deviceguard.node.id=badconfig")
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            run.environment().putAll(TestDatabase.environment(home));
            Process p = run.start();
            try {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process ends by itself").isTrue();
                String err = Files.readString(stderr);
                assertThat(p.exitValue()).as("exit code; stderr: %s", err).isEqualTo(DeviceGuardCommand.EXIT_CONFIG);
                assertThat(err).contains("MQTT port 127.0.0.1:" + port + " is not available");
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
