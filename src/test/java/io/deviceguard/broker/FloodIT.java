package io.deviceguard.broker;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.testing.MqttCallbacks;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HardeningReport;
import io.deviceguard.testing.Latency;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device publishing far beyond its allowance (here 20 publishes/s, bursts of 20; its neighbours send 10/s) is throttled: the broker reads
 * from it no faster than the allowance, so its neighbours keep their latency (p99 within 2x of its value without the
 * flood, give or take 5 ms of scheduling noise). Throttled without a pause for the flood time (here 8 s), it is disconnected with MQTT 5 reason 0x96 and
 * flagged (anomaly/publish-flood). MQTT 5 devices are told their in-flight limit as Receive Maximum.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
@Timeout(240)
class FloodIT {

    static final int RATE = 20;
    static final int FLOOD_SECONDS = 8;
    static final int NEIGHBOURS = 5;
    /** Each neighbour's pause between round trips: 10/s, well within the allowance. */
    static final int NEIGHBOUR_PAUSE_MS = 100;

    @TempDir
    Path home;

    @Test
    void aFloodingDeviceIsThrottledThenDisconnectedAndItsNeighboursKeepTheirLatency() throws Exception {
        try (TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.limits.publishesPerSecond", Integer.toString(RATE),
                "deviceguard.limits.publishBurst", Integer.toString(RATE), "deviceguard.limits.floodSeconds",
                Integer.toString(FLOOD_SECONDS), "deviceguard.limits.inflightPublishes", "32"))) {
            DeviceFiles flooder = p.createDevice("flood-1");
            Map<MqttAsyncClient, DeviceFiles> neighbours = new java.util.LinkedHashMap<>();
            for (int i = 0; i < NEIGHBOURS; i++) {
                DeviceFiles d = p.createDevice("calm-" + i);
                neighbours.put(Mqtt.connect5Async(p.mqttPort(), d.id(), TestCerts.sslContext(d)), d);
            }
            // the flood: signed telemetry, made in advance so that the flooder spends no time signing
            List<byte[]> flood = new ArrayList<>();
            for (int i = 0; i < 1_500; i++) {
                flood.add(Messages.sign(flooder, Messages.payload(flooder.id(), "flood" + i)).getBytes(StandardCharsets.UTF_8));
            }

            sample(neighbours, Duration.ofSeconds(3));       // warm-up (JIT, the routes' first messages): not measured
            Latency.Stats quiet = sample(neighbours, Duration.ofSeconds(FLOOD_SECONDS - 1));

            AtomicInteger disconnectReason = new AtomicInteger(-1);
            MqttAsyncClient f = new MqttAsyncClient("ssl://127.0.0.1:" + p.mqttPort(), flooder.id(), new MemoryPersistence());
            f.setCallback(new DisconnectListener(disconnectReason));
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setSocketFactory(TestCerts.sslContext(flooder).getSocketFactory());
            o.setCleanStart(true);
            o.setAutomaticReconnect(false);
            IMqttToken connected = f.connect(o);
            connected.waitForCompletion(15_000);
            Integer receiveMaximum = connected.getResponseProperties() == null ? null
                    : connected.getResponseProperties().getReceiveMaximum();

            AtomicLong acked = new AtomicLong();
            AtomicBoolean flooding = new AtomicBoolean(true);
            long floodStart = System.nanoTime();
            // as fast as the broker's Receive Maximum lets a client go: a new publish the moment one is acknowledged
            Semaphore window = new Semaphore(32);
            Thread floodThread = new Thread(() -> {
                int i = 0;
                try {
                    while (flooding.get() && f.isConnected()) {
                        if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        MqttMessage m = new MqttMessage(flood.get(i++ % flood.size()));
                        m.setQos(1);
                        f.publish("devices/" + flooder.id() + "/telemetry", m, null, new Acked(acked, window));
                    }
                } catch (MqttException | InterruptedException e) {
                    // disconnected: the flood is over
                }
            }, "flooder");
            floodThread.start();

            Latency.Stats flooded = sample(neighbours, Duration.ofSeconds(FLOOD_SECONDS - 1));
            long ackedDuringSample = acked.get();
            double floodSeconds = (System.nanoTime() - floodStart) / 1e9;

            long deadline = System.nanoTime() + Duration.ofSeconds(FLOOD_SECONDS + 15).toNanos();
            while ((f.isConnected() || disconnectReason.get() == -1) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double disconnectedAfter = (System.nanoTime() - floodStart) / 1e9;
            flooding.set(false);
            floodThread.join(5_000);
            double ratePerSecond = ackedDuringSample / floodSeconds;

            HardeningReport.line("FloodIT", String.format("allowance %d/s (burst %d), flood time %d s: the flooder got %d"
                            + " publishes acknowledged in %.1f s (%.0f/s), was disconnected after %.1f s (reason 0x%X);"
                            + " neighbours' round trip without the flood: %s; during it: %s; Receive Maximum announced: %s",
                    RATE, RATE, FLOOD_SECONDS, ackedDuringSample, floodSeconds, ratePerSecond, disconnectedAfter,
                    disconnectReason.get(), quiet, flooded, receiveMaximum));

            assertThat(f.isConnected()).as("the flooder is disconnected").isFalse();
            AuditRecord throttled = p.awaitAuditIn("anomaly", "throttled", row("anomaly", "publish-throttled", "denied"));
            AuditRecord flagged = p.awaitAuditIn("anomaly", "flood flagged", row("anomaly", "publish-flood", "denied"));
            assertThat(receiveMaximum).as("in-flight limit announced as Receive Maximum").isEqualTo(32);
            assertThat(throttled.actor()).isEqualTo(flooder.id());
            assertThat(flagged.actor()).isEqualTo(flooder.id());
            assertThat(disconnectReason.get()).as("MQTT 5 reason: message rate too high").isEqualTo(0x96);
            assertThat(disconnectedAfter).as("disconnected once throttled for the flood time")
                    .isBetween(FLOOD_SECONDS - 0.5, FLOOD_SECONDS + 10.0);
            assertThat(ackedDuringSample).as("throttled to the allowance (burst + rate x time)")
                    .isLessThanOrEqualTo((long) (RATE + RATE * floodSeconds * 1.1) + 5);
            assertThat(ackedDuringSample).as("throttled, not blocked").isGreaterThan((long) (RATE * floodSeconds * 0.5));
            assertThat(neighbours.keySet()).allMatch(MqttAsyncClient::isConnected, "neighbours keep their connections");
            assertThat(flooded.failed()).isZero();
            // within 2x; plus 5 ms for the scheduler of a shared two-core machine, where a p99 of a few ms is noise
            assertThat(flooded.p99()).as("neighbours' p99 during the flood, against %s without it", quiet)
                    .isLessThanOrEqualTo(2 * quiet.p99() + 5);
            neighbours.keySet().forEach(Mqtt::closeQuietly);
            f.close(true);
        }
    }

    /** Round trips of every neighbour at once, for {@code d}. */
    private static Latency.Stats sample(Map<MqttAsyncClient, DeviceFiles> neighbours, Duration d) throws InterruptedException {
        List<Latency.Sampler> samplers = new ArrayList<>();
        neighbours.forEach((c, device) -> samplers.add(new Latency.Sampler(c, Latency.telemetryTopic(device),
                Latency.signedTelemetry(device), NEIGHBOUR_PAUSE_MS)));
        Thread.sleep(d.toMillis());
        List<Double> all = new ArrayList<>();
        for (Latency.Sampler s : samplers) {
            s.stop();
            all.addAll(s.samples());
        }
        return Latency.stats(all);
    }

    private record Acked(AtomicLong count, Semaphore window) implements MqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            count.incrementAndGet();
            window.release();
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
            window.release();                       // the connection went: counted by the disconnect
        }
    }

    private record DisconnectListener(AtomicInteger reason) implements MqttCallbacks {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            reason.set(response.getReturnCode());
        }
    }
}
