package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HardeningReport;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.RawMqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that hold a connection and do nothing: TCP connections that never start TLS, TLS sessions that never send
 * a CONNECT (both closed within the default 10 s), and CONNECTs with keep-alive 0 (closed once 1.5 times the server
 * keep-alive passes in silence). A thousand of them at once do not stop a legitimate device from connecting and
 * being handled.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
@Timeout(300)
class SlowClientsIT {

    static final int TCP_ONLY = 780;
    static final int TLS_ONLY = 200;
    static final int KEEP_ALIVE_ZERO = 20;
    static final int SERVER_KEEP_ALIVE = 4;

    @TempDir
    Path home;

    /** One idle connection: when it was opened (and, for TLS, handshaken) and when the broker closed it. */
    static final class Idle {
        final String kind;
        final Socket socket;
        final long openedNanos;
        volatile long closedNanos;

        Idle(String kind, Socket socket, long openedNanos) {
            this.kind = kind;
            this.socket = socket;
            this.openedNanos = openedNanos;
        }

        double lifeSeconds() {
            return closedNanos == 0 ? Double.NaN : (closedNanos - openedNanos) / 1e9;
        }

        void watch() {
            Thread t = new Thread(null, () -> {
                try {
                    socket.setSoTimeout(0);
                    InputStream in = socket.getInputStream();
                    while (in.read() >= 0) {
                        // a CONNACK for the keep-alive-0 clients; nothing else is expected
                    }
                } catch (IOException e) {
                    // reset: closed as well
                }
                closedNanos = System.nanoTime();
            }, "idle-" + kind, 128 * 1024);
            t.setDaemon(true);
            t.start();
        }
    }

    @Test
    void aThousandIdleConnectionsAreClosedInTimeAndDoNotStopADevice() throws Exception {
        // the TLS and CONNECT timeouts at their defaults (10 s); the server keep-alive short, so the test is
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.mqtt.serverKeepAliveSeconds",
                Integer.toString(SERVER_KEEP_ALIVE)))) {
            int port = p.mqttPort();
            List<DeviceFiles> idlers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                idlers.add(p.createDevice("idle-" + i));
            }
            List<DeviceFiles> silent = new ArrayList<>();
            for (int i = 0; i < KEEP_ALIVE_ZERO; i++) {
                silent.add(p.createDevice("silent-" + i));
            }
            DeviceFiles legit = p.createDevice("legit-1");
            List<Idle> all = new CopyOnWriteArrayList<>();

            // TLS sessions that never send a CONNECT: handshakes in parallel, a few device certificates
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> opening = new ArrayList<>();
            long tlsStart = System.nanoTime();
            for (int i = 0; i < TLS_ONLY; i++) {
                SSLContext ctx = TestCerts.sslContext(idlers.get(i % idlers.size()));
                opening.add(pool.submit(() -> {
                    Socket s = RawMqtt.tls(port, ctx);
                    Idle idle = new Idle("tls", s, System.nanoTime());
                    all.add(idle);
                    idle.watch();
                    return null;
                }));
            }
            for (Future<?> f : opening) {
                f.get();
            }
            double tlsOpenSeconds = (System.nanoTime() - tlsStart) / 1e9;
            // CONNECTs with keep-alive 0, then silence
            for (DeviceFiles d : silent) {
                Socket s = RawMqtt.connected(port, TestCerts.sslContext(d), RawMqtt.connect(5, d.id(), 0, true, new byte[0]));
                Idle idle = new Idle("keepalive0", s, System.nanoTime());
                all.add(idle);
                idle.watch();
            }
            // TCP connections that never start TLS
            for (int i = 0; i < TCP_ONLY; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                Idle idle = new Idle("tcp", s, System.nanoTime());
                all.add(idle);
                idle.watch();
            }
            pool.shutdown();

            // a legitimate device, now
            long openNow = all.stream().filter(i -> i.closedNanos == 0).count();
            long t0 = System.nanoTime();
            MqttClient c = Mqtt.connect5(port, legit.id(), TestCerts.sslContext(legit));
            double connectMs = (System.nanoTime() - t0) / 1e6;
            String marker = Messages.marker();
            Mqtt.publish(c, "devices/" + legit.id() + "/telemetry", Messages.sign(legit, Messages.payload(legit.id(), marker)));
            await("the legitimate device's message is handled").atMost(Duration.ofSeconds(20))
                    .until(() -> handled(p, marker) == 1);
            Mqtt.closeQuietly(c);

            await("every idle connection closed by the broker").atMost(Duration.ofSeconds(40))
                    .until(() -> all.stream().allMatch(i -> i.closedNanos != 0));
            List<Double> tcp = lives(all, "tcp");
            List<Double> tls = lives(all, "tls");
            List<Double> ka0 = lives(all, "keepalive0");
            HardeningReport.line("SlowClientsIT", String.format("%d idle connections (%d TCP without TLS, %d TLS without"
                            + " CONNECT (opened in %.1f s), %d CONNECT with keep-alive 0); %d open when a legitimate device connected"
                            + " in %.0f ms and was handled; closed after: TCP %.1f-%.1f s, TLS %.1f-%.1f s, keep-alive 0 %.1f-%.1f s"
                            + " (server keep-alive %d s)", all.size(), TCP_ONLY, TLS_ONLY, tlsOpenSeconds, KEEP_ALIVE_ZERO, openNow,
                    connectMs, tcp.get(0), last(tcp), tls.get(0), last(tls), ka0.get(0), last(ka0), SERVER_KEEP_ALIVE));

            assertThat(all).hasSize(TCP_ONLY + TLS_ONLY + KEEP_ALIVE_ZERO);
            assertThat(openNow).as("idle connections open when the device connected").isGreaterThanOrEqualTo(TCP_ONLY + KEEP_ALIVE_ZERO);
            // TLS handshake timeout 10 s (a little late under load: the broker's timers run on busy event loops)
            assertThat(tcp).allMatch(s -> s >= 9.5 && s <= 14, "TCP without TLS closed 10 s after it opened");
            // CONNECT timeout 10 s from the end of the handshake
            assertThat(tls).allMatch(s -> s >= 9.5 && s <= 14, "TLS without CONNECT closed 10 s after its handshake");
            // keep-alive 0 gets the server keep-alive: 1.5 x 4 s of silence, seen by a check every 2 s
            assertThat(ka0).allMatch(s -> s >= 5.5 && s <= 11, "keep-alive 0 closed after 1.5 x the server keep-alive");
            // each one audited with its reason (the refusal rows of a thousand connections, not only the newest)
            try {
                await("every timeout audited").atMost(Duration.ofSeconds(20)).until(() ->
                        count(p, "connect", "connect_timeout") >= TLS_ONLY && count(p, "tls-handshake", "") >= TCP_ONLY);
            } finally {
                HardeningReport.line("SlowClientsIT", "audit rows: connect/connect_timeout " + count(p, "connect", "connect_timeout")
                        + "; tls-handshake: handshake_timeout " + count(p, "tls-handshake", "handshake_timeout")
                        + ", closed_during_handshake " + count(p, "tls-handshake", "closed_during_handshake")
                        + ", not_tls " + count(p, "tls-handshake", "not_tls")
                        + ", any reason " + count(p, "tls-handshake", ""));
            }
        }
    }

    private static List<Double> lives(List<Idle> all, String kind) {
        List<Double> out = new ArrayList<>(all.stream().filter(i -> i.kind.equals(kind)).map(Idle::lifeSeconds).toList());
        Collections.sort(out);
        return out;
    }

    private static double last(List<Double> l) {
        return l.get(l.size() - 1);
    }

    private static long count(TestPlatform p, String action, String reason) throws Exception {
        try (Connection c = p.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from audit_events where category = 'connection'"
                     + " and action = ? and outcome = 'denied' and details like ?")) {
            ps.setString(1, action);
            ps.setString(2, reason.isEmpty() ? "%" : "%\"reason\":\"" + reason + "\"%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long handled(TestPlatform p, String marker) throws Exception {
        try (Connection c = p.platform().services().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from telemetry where payload like ?")) {
            ps.setString(1, "%" + marker + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
