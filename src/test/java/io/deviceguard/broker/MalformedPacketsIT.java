package io.deviceguard.broker;

import static io.deviceguard.testing.RawMqtt.cat;
import static io.deviceguard.testing.RawMqtt.connect;
import static io.deviceguard.testing.RawMqtt.send;
import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HardeningReport;
import io.deviceguard.testing.Latency;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.RawMqtt;
import io.deviceguard.testing.RawMqtt.Answer;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed MQTT over real TLS with a real device certificate, so that the bytes reach the broker's MQTT decoder:
 * each named case is refused or closed, with its reason audited; then a generated corpus of malformed packets
 * ({@code -Dhardening.corpus=N}: 1,000 by default, 10,000 in the hardening-long profile that .ci/run uses, each on
 * its own TLS connection) leaves no thread dead, the heap where it was, no connection behind, and a good device next
 * to it connected and as fast as before.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600)
class MalformedPacketsIT {

    /** 1,000 in a plain build; the hardening-long profile (.ci/run) sends 10,000. */
    static final int CORPUS = Integer.getInteger("hardening.corpus", 1_000);
    static final int WORKERS = 8;

    @TempDir
    static Path home;
    TestPlatform platform;
    DeviceFiles raw;
    SSLContext rawTls;
    int port;

    @BeforeAll
    void start() {
        // short timeouts so that truncated packets are seen closed quickly (the server keep-alive not so short that the
        // platform's own route clients, told to ping that often, miss it on a busy machine); the per-device limit is BoundedStateIT's
        // subject, here the corpus workers reconnect faster than the broker notices their last close
        platform = TestPlatform.start(home, Map.of("deviceguard.mqtt.connectTimeoutSeconds", "2",
                "deviceguard.mqtt.serverKeepAliveSeconds", "5", "deviceguard.limits.connectionsPerDevice", "64",
                "deviceguard.integrity.anomalyThreshold", "100000"));
        raw = platform.createDevice("raw-1");
        rawTls = TestCerts.sslContext(raw);
        port = platform.mqttPort();
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private Answer before(byte[] bytes) {
        SSLSocket s = RawMqtt.tls(port, rawTls);
        try {
            return send(s, bytes, 5_000);
        } finally {
            RawMqtt.closeQuietly(s);
        }
    }

    private Answer after(int level, byte[] bytes, long waitMs) {
        SSLSocket s = RawMqtt.connected(port, rawTls, connect(level, raw.id()));
        try {
            return send(s, bytes, waitMs);
        } finally {
            RawMqtt.closeQuietly(s);
        }
    }

    private void audited(String reason) {
        platform.awaitAudit("protocol violation " + reason, row("connection", "protocol-violation", "denied").and(reason(reason)));
    }

    @Test
    void garbageBeforeConnectIsClosedAtOnce() {
        // [MQTT-3.1.0-1] the first packet must be a CONNECT; HTTP would otherwise switch the broker to its HTTP decoder
        Answer http = before("POST / HTTP/1.1\r\nContent-Length: 2000000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Answer binary = before(new byte[] {0x00, 0x01, 0x02, (byte) 0xFF, 0x10, 0x20, 0x30, 0x40, 0x50});
        assertThat(http.closed()).as("HTTP instead of MQTT closed").isTrue();
        assertThat(binary.closed()).as("binary garbage closed").isTrue();
        assertThat(http.millis()).isLessThan(2_000);
        audited("not_mqtt");
    }

    @Test
    void aRemainingLengthOfHundredsOfMegabytesIsRefusedBeforeAnythingIsBuffered() {
        Answer connect = before(cat(new byte[] {0x10}, RawMqtt.varInt(260_000_000), new byte[64]));
        assertThat(connect.closed()).isTrue();
        assertThat(connect.millis()).as("closed at the header, not after 300 MB").isLessThan(2_000);
        // after a CONNECT, an MQTT 5 client is told why: 0x95 packet too large
        Answer publish = after(5, cat(new byte[] {0x32}, RawMqtt.varInt(250_000_000), new byte[1024]), 5_000);
        assertThat(publish.closed()).isTrue();
        assertThat(publish.disconnectCode()).isEqualTo(0x95);
        audited("packet_too_large");
    }

    @Test
    void zeroLengthAndInvalidUtf8TopicsCloseTheConnection() {
        byte[] empty = new byte[0];
        byte[] notUtf8 = {'d', 'e', 'v', (byte) 0xC3, 0x28};
        byte[] nul = {'d', 0x00, 'v'};
        for (int level : new int[] {4, 5}) {
            Answer a = after(level, RawMqtt.publish(level, empty, 1, empty, "x".getBytes(StandardCharsets.UTF_8)), 5_000);
            Answer b = after(level, RawMqtt.publish(level, notUtf8, 1, empty, "x".getBytes(StandardCharsets.UTF_8)), 5_000);
            Answer c = after(level, RawMqtt.publish(level, nul, 0, empty, "x".getBytes(StandardCharsets.UTF_8)), 5_000);
            assertThat(List.of(a, b, c)).as("MQTT level %d: [MQTT-4.7.3-1], [MQTT-1.5.4-1], [MQTT-1.5.4-2]", level)
                    .allMatch(Answer::closed);
            if (level == 5) {
                assertThat(a.disconnectCode()).as("empty topic: topic name invalid").isEqualTo(0x90);
                assertThat(b.disconnectCode()).as("invalid UTF-8: malformed packet").isEqualTo(0x81);
            }
        }
        audited("topic_name_invalid");
        audited("malformed_utf8");
    }

    @Test
    void aSubscriptionFilterOfTensOfThousandsOfLevelsClosesTheConnection() {
        byte[] filter = "a/".repeat(50_000).getBytes(StandardCharsets.US_ASCII);
        Answer a = after(5, RawMqtt.subscribe(5, java.util.Arrays.copyOf(filter, filter.length - 1)), 5_000);
        assertThat(a.closed()).isTrue();
        assertThat(a.disconnectCode()).isEqualTo(0x8F);
        assertThat(a.millis()).isLessThan(2_000);
        audited("topic_filter_invalid");
    }

    @Test
    void duplicatedMqtt5PropertiesAreAProtocolError() {
        // [MQTT-2.2.2-2]: a CONNECT naming Session Expiry Interval twice is refused with 0x82, a PUBLISH naming
        // Message Expiry Interval twice closes the connection with 0x82
        byte[] twice = cat(RawMqtt.sessionExpiry(5), RawMqtt.sessionExpiry(6));
        Answer c = before(connect(5, raw.id(), 30, true, twice));
        assertThat(c.connackCode()).isEqualTo(0x82);
        assertThat(c.closed()).isTrue();
        byte[] expiryTwice = {0x02, 0, 0, 0, 9, 0x02, 0, 0, 0, 10};
        Answer p = after(5, RawMqtt.publish(5, ("devices/" + raw.id() + "/telemetry").getBytes(StandardCharsets.UTF_8), 1,
                expiryTwice, new byte[] {1}), 5_000);
        assertThat(p.closed()).isTrue();
        assertThat(p.disconnectCode()).isEqualTo(0x82);
        platform.awaitAudit("CONNECT refused", row("connection", "connect", "denied").and(reason("duplicate_property")));
        audited("duplicate_property");
    }

    @Test
    void truncatedPacketsAreClosedByTheTimeouts() {
        byte[] whole = connect(4, raw.id());
        // a CONNECT cut short: closed when the connect timeout (2 s here) passes
        Answer connect = before(java.util.Arrays.copyOf(whole, whole.length - 3));
        assertThat(connect.closed()).isTrue();
        assertThat(connect.millis()).isBetween(1_500L, 4_500L);
        platform.awaitAudit("connect timeout", row("connection", "connect", "denied").and(reason("connect_timeout")));
        // a PUBLISH cut short after a CONNECT: no complete packet, so the keep-alive (1.5 x 5 s here, checked every
        // 2 s) closes it
        byte[] publish = RawMqtt.publish(4, ("devices/" + raw.id() + "/telemetry").getBytes(StandardCharsets.UTF_8), 1,
                new byte[0], new byte[500]);
        Answer cut = after(4, java.util.Arrays.copyOf(publish, 100), 15_000);
        assertThat(cut.closed()).isTrue();
        assertThat(cut.millis()).isBetween(7_000L, 12_000L);
    }

    @Test
    void aClientIdOf64KiBIsRefused() {
        String id = "d".repeat(65_535);
        Answer v5 = before(connect(5, id));
        Answer v311 = before(connect(4, id));
        assertThat(v5.connackCode()).as("MQTT 5: client identifier not valid").isEqualTo(0x85);
        assertThat(v311.connackCode()).as("MQTT 3.1.1: identifier rejected").isEqualTo(0x02);
        assertThat(v5.closed()).isTrue();
        assertThat(v311.closed()).isTrue();
        AuditRecord r = platform.awaitAudit("client ID refused", row("connection", "connect", "denied")
                .and(reason("client_id_mismatch")).and(x -> x.target() != null && x.target().startsWith("ddd")));
        assertThat(r.target().length()).as("the audit row keeps a bounded part of it").isLessThan(600);
    }

    @Test
    void aSecondConnectClosesTheConnection() {
        Answer a = after(5, connect(5, raw.id()), 5_000);
        assertThat(a.closed()).isTrue();
        assertThat(a.disconnectCode()).as("[MQTT-3.1.0-2] protocol error").isEqualTo(0x82);
        audited("second_connect");
    }

    @Test
    void aCorpusOfGeneratedMalformedPacketsCrashesNothing() throws Exception {
        DeviceFiles good = platform.createDevice("good-1");
        List<DeviceFiles> workers = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            workers.add(platform.createDevice("fuzz-" + i));
        }
        MqttAsyncClient goodClient = Mqtt.connect5Async(port, good.id(), TestCerts.sslContext(good));
        String probe = Latency.telemetryTopic(good);
        java.util.function.Supplier<byte[]> signed = Latency.signedTelemetry(good);
        Latency.Stats baseline = Latency.measure(goodClient, probe, signed, 100, 20);
        Set<Thread> threadsBefore = brokerThreads();
        List<String> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(t.getName() + ": " + e));
        int connectionsBefore = platform.platform().broker().server().getRemotingService().getConnections().size();
        long heapBefore = heapAfterGc();

        long t0 = System.nanoTime();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        Latency.Sampler during = new Latency.Sampler(goodClient, probe, signed, 50);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            DeviceFiles d = workers.get(w);
            List<MalformedCorpus.Case> cases = new MalformedCorpus(1000L + w, d.id()).generate(CORPUS / WORKERS);
            done.add(pool.submit(() -> {
                SSLContext tls = TestCerts.sslContext(d);     // one per worker: TLS sessions are resumed
                for (MalformedCorpus.Case c : cases) {
                    outcomes.computeIfAbsent(run(c, tls, d.id()), k -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        Latency.Stats meanwhile = during.stop();
        long corpusMs = (System.nanoTime() - t0) / 1_000_000;

        // what was left half-open (truncated packets, silent clients) is closed by the timeouts
        await("connections left by the corpus are closed").atMost(Duration.ofSeconds(30))
                .until(() -> platform.platform().broker().server().getRemotingService().getConnections().size() <= connectionsBefore);
        long heapAfter = heapAfterGc();
        Latency.Stats afterwards = Latency.measure(goodClient, probe, signed, 100, 20);
        Set<Thread> deadThreads = threadsBefore.stream().filter(t -> !t.isAlive()).collect(Collectors.toSet());
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        int total = outcomes.values().stream().mapToInt(AtomicInteger::get).sum();

        HardeningReport.line("MalformedPacketsIT", String.format("corpus of %d malformed packets over TLS in %.1f s; outcomes %s;"
                        + " heap after GC %d MiB before, %d MiB after; broker and route threads %d, dead %d; good device round trip before: %s;"
                        + " during: %s; after: %s", total, corpusMs / 1000.0, outcomes, heapBefore >> 20, heapAfter >> 20,
                threadsBefore.size(), deadThreads.size(), baseline, meanwhile, afterwards));

        assertThat(total).isGreaterThanOrEqualTo(CORPUS - WORKERS);
        assertThat(outcomes).as("no case may hang a connection open past its timeout").doesNotContainKey("error");
        assertThat(threadsBefore).as("broker and route threads found").hasSizeGreaterThan(4);
        assertThat(deadThreads).as("no broker or route thread died").isEmpty();
        assertThat(uncaught).as("no thread ended with an uncaught exception").isEmpty();
        assertThat(heapAfter - heapBefore).as("heap growth after the corpus (bytes)").isLessThan(64L << 20);
        assertThat(goodClient.isConnected()).as("the good device kept its connection").isTrue();
        assertThat(meanwhile.failed()).as("every publish of the good device acknowledged during the corpus").isZero();
        assertThat(afterwards.failed()).isZero();
        assertThat(afterwards.p50()).as("the good device's latency afterwards, against %s", baseline)
                .isLessThanOrEqualTo(Math.max(2 * baseline.p50(), baseline.p50() + 5));
        assertThat(meanwhile.p99()).as("the good device's p99 during the corpus").isLessThan(2_000);
        // the platform still accepts a new device and handles its message
        DeviceFiles late = platform.createDevice("late-1");
        Mqtt.closeQuietly(Mqtt.connect5Async(port, late.id(), TestCerts.sslContext(late)));
        Mqtt.closeQuietly(goodClient);
    }

    /** Sends one case on a fresh TLS connection and says what the broker did. */
    private String run(MalformedCorpus.Case c, SSLContext tls, String id) {
        SSLSocket s = null;
        try {
            s = RawMqtt.tls(port, tls);
            if (c.afterConnect()) {
                s.getOutputStream().write(connect(c.level(), id));
                byte[] connack = RawMqtt.readPacket(s, 10_000);
                if (connack == null || connack.length < 4 || connack[3] != 0) {
                    return "connect-refused";
                }
            }
            Answer a = send(s, c.bytes(), 300);
            return a.closed() ? "closed" : a.bytes().length > 0 ? "answered" : "pending";
        } catch (RuntimeException | java.io.IOException e) {
            return "error";
        } finally {
            RawMqtt.closeQuietly(s);
        }
    }

    /**
     * The threads that must outlive any packet: the broker's I/O event loops and checkers, the routes' MQTT clients.
     * Threads of the broker's cached pools ("activemq-remoting-service", "activemq-server") are left out: an idle one
     * retires after 60 s by design, which a 10,000-packet corpus outlasts. A thread that dies of an exception, pooled
     * or not, is caught by the uncaught-exception check instead.
     */
    private static Set<Thread> brokerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.getName().contains("activemq-remoting-service") && !t.getName().contains("activemq-server"))
                .filter(t -> t.getName().contains("activemq-remoting") || t.getName().contains("activemq-netty-threads")
                        || t.getName().contains("activemq-failure-check")
                        || t.getName().contains("activemq-critical") || t.getName().contains("_deviceguard-"))
                .collect(Collectors.toSet());
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

}
