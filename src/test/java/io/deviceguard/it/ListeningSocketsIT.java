package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack surface of a running node, seen from the operating system: the packaged jar started as a user would,
 * then its listening TCP sockets read from /proc. With MQTT bound to 127.0.0.1, every listener must be on a loopback
 * address: nothing (H2 server, JMX, Jolokia, an admin port) may listen on a wildcard or external address.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ListeningSocketsIT {

    private static final Pattern READY = Pattern.compile("deviceguard ready in (\\d+) ms");
    private static final String LISTEN = "0A";

    @TempDir
    Path tmp;

    /** One listening socket: the address it is bound to and its port. */
    record Listener(InetAddress address, int port) {
        @Override
        public String toString() {
            return address.getHostAddress() + ":" + port;
        }
    }

    @Test
    void everyListenerIsOnLoopbackWhenMqttIsBoundToLoopback() throws Exception {
        Path jar = Path.of(System.getProperty("deviceguard.jar", "target/deviceguard.jar"));
        assertThat(jar).as("the packaged jar (run after 'package')").isRegularFile();
        int port = Ports.free();
        ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "run", "--home", tmp.resolve("home").toString(),
                "--mqtt-port", Integer.toString(port), "--admin-port", Integer.toString(Ports.free()), "--management-port", "0",
                "--deviceguard.mqtt.host=127.0.0.1", "--deviceguard.node.id=sockets")
                .redirectErrorStream(true);
        // on PostgreSQL the database is another process: the platform's own listeners are still all on loopback
        run.environment().putAll(TestDatabase.environment(tmp.resolve("home")));
        Process child = run.start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> collect(child, output), "child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            try {
                // 120 s: on a loaded shared machine a cold JVM generating its PKI took over 60 s (seen on both databases)
                await("'deviceguard ready in' on the child's output").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(100))
                        .failFast(() -> assertThat(child.isAlive())
                                .as("the child exited early; its output:%n%s", String.join("\n", output)).isTrue())
                        .until(() -> output.stream().anyMatch(l -> READY.matcher(l).find()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the child was not ready within 120 s; its output:\n" + String.join("\n", output), e);
            }
            long readyMs = output.stream().map(READY::matcher).filter(Matcher::find)
                    .mapToLong(m -> Long.parseLong(m.group(1))).findFirst().orElseThrow();
            System.out.println("ListeningSocketsIT: deviceguard ready in " + readyMs + " ms");

            List<Listener> listeners = listeners(child.pid());
            System.out.println("ListeningSocketsIT: listeners of pid " + child.pid() + ": " + listeners);

            assertThat(listeners).as("the MQTT/TLS acceptor listens on 127.0.0.1:%d", port)
                    .contains(new Listener(InetAddress.getByName("127.0.0.1"), port));
            assertThat(listeners).as("every listener is bound to a loopback address")
                    .allSatisfy(l -> assertThat(l.address().isLoopbackAddress()).as(l.toString()).isTrue());
            assertThat(readyMs).isPositive();
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void collect(Process child, List<String> output) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e.getMessage() + ")");
        }
    }

    /** The process's sockets (/proc/PID/fd links "socket:[inode]") that are in LISTEN state in /proc/net/tcp{,6}. */
    static List<Listener> listeners(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed between list and readlink is not a listener
                }
            }
        }
        List<Listener> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length > 9 && LISTEN.equals(f[3]) && inodes.contains(f[9])) {
                    out.add(parse(f[1]));
                }
            }
        }
        return out;
    }

    /** "0100007F:1F90" (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) byte order. */
    static Listener parse(String hexAddressAndPort) throws UnknownHostException {
        String[] parts = hexAddressAndPort.split(":");
        byte[] raw = HexFormat.of().parseHex(parts[0]);
        byte[] address = new byte[raw.length];
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                address[word + i] = raw[word + 3 - i];
            }
        }
        // an IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as the Inet4Address a.b.c.d
        return new Listener(InetAddress.getByAddress(address), Integer.parseInt(parts[1], 16));
    }

    @Test
    void procAddressesAreDecoded() throws Exception {
        assertThat(parse("0100007F:1F90")).isEqualTo(new Listener(InetAddress.getByName("127.0.0.1"), 8080));
        assertThat(parse("00000000:22B3").address().isAnyLocalAddress()).isTrue();
        assertThat(parse("00000000000000000000000001000000:0050"))
                .isEqualTo(new Listener(InetAddress.getByName("::1"), 80));
        assertThat(parse("0000000000000000FFFF00000100007F:0050"))
                .isEqualTo(new Listener(InetAddress.getByName("127.0.0.1"), 80));
        assertThat(parse("00000000000000000000000000000000:0050").address().isLoopbackAddress()).isFalse();
    }
}
