package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.pki.Pki;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.testing.MqttCallbacks;
import io.deviceguard.testing.ChildPlatform;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HardeningReport;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.RawMqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged platform killed with SIGKILL while devices publish QoS 1 telemetry and commands wait in the broker for
 * offline devices; then restarted on the same home (its H2 file, broker journal and the port file the dead process
 * left). Every message the broker acknowledged before the kill is handled exactly once (one telemetry row per
 * msgId), every queued command reaches its device when it reconnects, and the audit trail verifies.
 * <p>
 * Scope: the platform does not send commands yet (a later issue); the "commands" here are messages the platform's
 * service identity publishes at QoS 1 to {@code devices/{id}/commands} of devices with a persistent session
 * (connected once with clean start off and a session expiry, then gone), which is how queued commands will travel.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
@EnabledOnOs(OS.LINUX)
@Timeout(1500)
class CrashDurabilityIT {

    static final int PUBLISHERS = 6;
    static final int OFFLINE = 4;
    static final int COMMANDS_BEFORE = 20;
    /** Messages acknowledged before the kill, at least (the hardening-long profile raises it). */
    static final int BACKLOG = Integer.getInteger("hardening.crash.backlog", 400);
    /** A device publishes at most this often (ms): the backlog stays one the restart works through in seconds. */
    static final int PACE_MS = 20;

    @TempDir
    Path tmp;

    @Test
    void killMinus9WhileDevicesPublishLosesAndDuplicatesNothing() throws Exception {
        Path home = tmp.resolve("home");
        int port = Ports.free();
        String[] run = {"run", "--home", home.toString(), "--mqtt-port", Integer.toString(port),
            "--admin-port", Integer.toString(Ports.free()), "--management-port", "0", "--deviceguard.mqtt.host=127.0.0.1",
            "--deviceguard.node.id=crash"};
        Settings settings = Settings.load(new Home(home), TestDatabase.settings(home), Map.of());

        // devices registered before the first start (a host command on the home), as a factory import would
        List<DeviceFiles> publishers = new ArrayList<>();
        List<DeviceFiles> offline = new ArrayList<>();
        try (PlatformServices s = PlatformServices.open(settings, false)) {
            DeviceEnrollment enrol = new DeviceEnrollment(s.pki(), s.registry(), s.audit());
            for (int i = 0; i < PUBLISHERS; i++) {
                publishers.add(files(enrol, home, "tel-" + i));
            }
            for (int i = 0; i < OFFLINE; i++) {
                offline.add(files(enrol, home, "cmd-" + i));
            }
        }
        Pki pki = Pki.ensure(home.resolve("certs"), settings.getList("deviceguard.pki.serverNames"));

        ChildPlatform first = ChildPlatform.start(run);
        Map<String, Set<String>> queued = new ConcurrentHashMap<>();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> sent = ConcurrentHashMap.newKeySet();
        Instant killedAt;
        int exit;
        long firstReadyMs;
        try {
            firstReadyMs = first.awaitReady(Duration.ofSeconds(90));
            // offline devices: a persistent session subscribed to their commands, then gone
            for (DeviceFiles d : offline) {
                MqttAsyncClient c = client(port, d.id());
                c.connect(persistent(TestCerts.sslContext(d))).waitForCompletion(30_000);
                c.subscribe("devices/" + d.id() + "/commands", 1).waitForCompletion(10_000);
                c.disconnect().waitForCompletion(10_000);
                c.close();
                queued.put(d.id(), ConcurrentHashMap.newKeySet());
            }
            MqttAsyncClient service = client(port, "_deviceguard-crash-test");
            service.connect(plain(pki.serviceClientContext())).waitForCompletion(30_000);
            for (int i = 0; i < COMMANDS_BEFORE; i++) {
                for (DeviceFiles d : offline) {
                    String cmd = "before-" + i + "-" + d.id();
                    publish(service, "devices/" + d.id() + "/commands", cmd).waitForCompletion(10_000);
                    queued.get(d.id()).add(cmd);
                }
            }

            // devices publish QoS 1 as fast as they can, commands keep coming; the platform is killed meanwhile
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> load = new ArrayList<>();
            for (DeviceFiles d : publishers) {
                load.add(publisher(port, d, running, sent, acked));
            }
            load.add(commander(service, offline, running, queued));
            load.forEach(Thread::start);
            // kill in the middle of it: the routes handling messages, more waiting in the broker
            try (PlatformServices live = PlatformServices.open(settings, false)) {   // through the platform's database server
                await("messages being handled, more waiting").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> acked.size() >= BACKLOG && handledSoFar(live) >= BACKLOG / 8);
                killedAt = Instant.now();
                exit = first.kill9();
            }
            running.set(false);
            for (Thread t : load) {
                t.join(15_000);
            }
        } finally {
            first.close();
        }
        int ackedBeforeKill = acked.size();
        int commandsQueued = queued.values().stream().mapToInt(Set::size).sum();

        // restart on the same home: how long until devices can connect again
        ChildPlatform second = ChildPlatform.start(run);
        try {
            SSLContext probeTls = TestCerts.sslContext(publishers.get(0));
            await("the restarted platform accepts a device").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                    .until(() -> accepts(port, probeTls, publishers.get(0).id()));
            long acceptingMs = second.sinceLaunchMillis();
            long readyMs = second.awaitReady(Duration.ofSeconds(60));

            // every queued command reaches its device when it reconnects
            Map<String, Set<String>> delivered = new HashMap<>();
            List<MqttAsyncClient> back = new ArrayList<>();
            for (DeviceFiles d : offline) {
                Set<String> got = ConcurrentHashMap.newKeySet();
                delivered.put(d.id(), got);
                MqttAsyncClient c = client(port, d.id());
                c.setCallback(new Inbox(got));
                c.connect(persistent(TestCerts.sslContext(d))).waitForCompletion(30_000);
                back.add(c);
            }
            await("every queued command delivered").atMost(Duration.ofSeconds(60))
                    .until(() -> offline.stream().allMatch(d -> delivered.get(d.id()).containsAll(queued.get(d.id()))));
            for (MqttAsyncClient c : back) {
                c.disconnect().waitForCompletion(10_000);
                c.close();
            }

            // every acknowledged message handled exactly once
            Map<String, Integer> rows = new HashMap<>();
            Set<String> afterRestart = new HashSet<>();
            try (PlatformServices db = PlatformServices.open(settings, false)) {   // through the platform's database server
                // the restarted pipeline works through the backlog at the machine's pace: wait while it makes progress,
                // fail once no acknowledged message has been handled for a minute
                long[] progress = {-1, System.nanoTime()};
                await("every acknowledged message handled").atMost(Duration.ofMinutes(12)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> {
                            telemetry(db, killedAt, rows, afterRestart);
                            if (rows.size() > progress[0]) {
                                progress[0] = rows.size();
                                progress[1] = System.nanoTime();
                            }
                            if (!rows.keySet().containsAll(acked) && System.nanoTime() - progress[1] > 60_000_000_000L) {
                                throw new org.awaitility.core.ConditionTimeoutException("no acknowledged message handled for 60 s");
                            }
                            return rows.keySet().containsAll(acked);
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                List<String> missing = acked.stream().filter(m -> !rows.containsKey(m)).toList();
                StringBuilder why = new StringBuilder();
                try (PlatformServices db = PlatformServices.open(settings, false)) {
                    for (String m : missing.subList(0, Math.min(5, missing.size()))) {
                        why.append("\n").append(m).append(": ").append(trace(db, m));
                    }
                }
                throw new AssertionError(missing.size() + " of " + acked.size() + " acknowledged messages not handled after the"
                        + " restart (" + rows.size() + " rows; killed at " + killedAt + "):" + why + "\nthe platform's threads:\n"
                        + second.threadDump(), e);
            }
            long commandsDelivered = offline.stream().mapToLong(d -> queued.get(d.id()).stream()
                    .filter(delivered.get(d.id())::contains).count()).sum();
            long commandsExtra = delivered.values().stream().mapToInt(Set::size).sum() - commandsDelivered;
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(rows.keySet());
            long duplicated = rows.values().stream().filter(n -> n > 1).count();
            long recovered = acked.stream().filter(afterRestart::contains).count();
            long unackedHandled = rows.keySet().stream().filter(m -> sent.contains(m) && !acked.contains(m)).count();

            assertThat(second.stop()).as("orderly stop after the test").isIn(0, 130, 143);
            ChildPlatform verify = ChildPlatform.start("audit", "verify", "--home", home.toString());
            int verified = verify.waitFor(Duration.ofSeconds(120));

            HardeningReport.line("CrashDurabilityIT", String.format("kill -9 (exit %d) with %d QoS 1 messages acknowledged"
                            + " and %d commands queued for %d offline devices: lost %d, duplicated %d, recovered after the restart %d"
                            + " (%d more that were sent but not acknowledged were handled once); queued commands delivered %d/%d"
                            + " (+%d sent but not acknowledged before the kill);"
                            + " restarted platform accepted a device %d ms after launch (ready in %d ms; first start %d ms);"
                            + " audit verify exit %d: %s", exit, ackedBeforeKill, commandsQueued, OFFLINE, lost.size(), duplicated,
                    recovered, unackedHandled, commandsDelivered, commandsQueued, commandsExtra, acceptingMs,
                    readyMs, firstReadyMs, verified, String.join(" | ", verify.output())));

            assertThat(exit).as("killed by SIGKILL").isEqualTo(137);
            assertThat(commandsDelivered).as("queued commands delivered").isEqualTo(commandsQueued);
            assertThat(lost).as("acknowledged messages lost").isEmpty();
            assertThat(duplicated).as("messages handled twice").isZero();
            assertThat(verified).as("audit verify: %s", verify.output()).isZero();
            assertThat(String.join("\n", verify.output())).contains("intact");
            assertThat(Files.exists(home.resolve("data/h2.server"))).as("the stopped platform removed its port file").isFalse();
        } finally {
            second.close();
        }
    }

    // ---- load ----

    private static Thread publisher(int port, DeviceFiles d, AtomicBoolean running, Set<String> sent, Set<String> acked) {
        return new Thread(() -> {
            DeviceIdentity id = d.identity();
            MqttAsyncClient c = null;
            try {
                c = client(port, d.id());
                c.connect(plain(id.tls())).waitForCompletion(30_000);
                Semaphore window = new Semaphore(16);
                while (running.get() && c.isConnected()) {
                    String msgId = UUID.randomUUID().toString();
                    String body = Envelope.sign(id.key(), d.id(), Envelope.payload(d.id(), "telemetry", msgId,
                            System.currentTimeMillis(), Map.of("seq", sent.size())).toString());
                    if (!window.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS)) {
                        continue;
                    }
                    sent.add(msgId);
                    MqttMessage m = new MqttMessage(body.getBytes(StandardCharsets.UTF_8));
                    m.setQos(1);
                    c.publish("devices/" + d.id() + "/telemetry", m, null, new MqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken token) {
                            acked.add(msgId);
                            window.release();
                        }

                        @Override
                        public void onFailure(IMqttToken token, Throwable e) {
                            window.release();
                        }
                    });
                    Thread.sleep(PACE_MS);
                }
            } catch (MqttException | InterruptedException e) {
                // the platform was killed under it
            } finally {
                closeQuietly(c);
            }
        }, "publisher-" + d.id());
    }

    private static Thread commander(MqttAsyncClient service, List<DeviceFiles> offline, AtomicBoolean running,
                                    Map<String, Set<String>> queued) {
        return new Thread(() -> {
            int n = 0;
            while (running.get() && service.isConnected()) {
                DeviceFiles d = offline.get(n % offline.size());
                String cmd = "during-" + n++ + "-" + d.id();
                try {
                    publish(service, "devices/" + d.id() + "/commands", cmd).waitForCompletion(10_000);
                    queued.get(d.id()).add(cmd);      // acknowledged by the broker: it must be delivered
                    Thread.sleep(20);
                } catch (MqttException | InterruptedException e) {
                    return;
                }
            }
        }, "commander");
    }

    // ---- helpers ----

    private static DeviceFiles files(DeviceEnrollment enrol, Path home, String id) throws Exception {
        DeviceEnrollment.Bundle b = enrol.createWithHostKey(id, home.resolve("devices").resolve(id), Duration.ofDays(30), "crash-test");
        return new DeviceFiles(id, b.key(), b.certificate(), b.ca(), b.pkcs12(), Files.readString(b.pkcs12Password()).trim());
    }

    private static MqttAsyncClient client(int port, String clientId) throws MqttException {
        return new MqttAsyncClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
    }

    private static MqttConnectionOptions plain(SSLContext tls) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(tls.getSocketFactory());
        o.setCleanStart(true);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(30);
        return o;
    }

    private static MqttConnectionOptions persistent(SSLContext tls) {
        MqttConnectionOptions o = plain(tls);
        o.setCleanStart(false);
        o.setSessionExpiryInterval(3600L);
        return o;
    }

    private static IMqttToken publish(MqttAsyncClient c, String topic, String text) throws MqttException {
        MqttMessage m = new MqttMessage(text.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        return c.publish(topic, m);
    }

    /** Where a message went: its replay claim, its audit rows, its quarantine rows. */
    private static String trace(PlatformServices s, String msgId) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = s.database().dataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select seen_at, handled, ingress_id from seen_messages where msg_id = ?")) {
                ps.setString(1, msgId);
                try (ResultSet rs = ps.executeQuery()) {
                    out.append(rs.next() ? "claimed " + rs.getString(1) + " handled=" + rs.getBoolean(2) + " ingress=" + rs.getString(3)
                            : "never claimed");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select seq, ts, category, action, outcome, details from audit_events"
                    + " where details like ? order by seq")) {
                ps.setString(1, "%" + msgId + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.append("; audit ").append(rs.getLong(1)).append(' ').append(rs.getString(2)).append(' ')
                                .append(rs.getString(3)).append('/').append(rs.getString(4)).append(' ').append(rs.getString(5));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select count(*) from quarantine where detail like ?")) {
                ps.setString(1, "%" + msgId + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.append("; quarantined ").append(rs.getLong(1));
                }
            }
        }
        return out.toString();
    }

    private static long handledSoFar(PlatformServices s) throws Exception {
        try (Connection c = s.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from telemetry where device_id like 'tel-%'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** True when a device's CONNECT is accepted now. */
    private static boolean accepts(int port, SSLContext tls, String id) {
        SSLSocket s = null;
        try {
            s = RawMqtt.tls(port, tls);
            s.getOutputStream().write(RawMqtt.connect(5, id));
            byte[] connack = RawMqtt.readPacket(s, 5_000);
            return connack != null && connack.length >= 4 && connack[3] == 0;
        } catch (RuntimeException | java.io.IOException e) {
            return false;
        } finally {
            RawMqtt.closeQuietly(s);
        }
    }

    /** The telemetry table through the running platform's database server: rows per msgId, and which came after the kill. */
    private static void telemetry(PlatformServices s, Instant killedAt, Map<String, Integer> rows, Set<String> afterKill) throws Exception {
        rows.clear();
        afterKill.clear();
        try (Connection c = s.database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select msg_id, count(*), min(received_at) from telemetry"
                     + " where device_id like 'tel-%' group by msg_id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getInt(2));
                    Timestamp first = rs.getTimestamp(3);
                    if (first.toInstant().isAfter(killedAt)) {
                        afterKill.add(rs.getString(1));
                    }
                }
            }
        }
    }

    private static void closeQuietly(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // closing after a kill
        }
    }

    /** Collects delivered commands. */
    private record Inbox(Set<String> into) implements MqttCallbacks {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            into.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        }
    }
}
