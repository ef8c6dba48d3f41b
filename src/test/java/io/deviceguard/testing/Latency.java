package io.deviceguard.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/** A device's publish round trip (QoS 1 PUBLISH to PUBACK), as the device sees it, and its percentiles. */
public final class Latency {

    private Latency() {
    }

    /** Percentiles in milliseconds over {@code n} samples; {@code failed} counts publishes that got no PUBACK. */
    public record Stats(int n, int failed, double p50, double p99, double max) {
        @Override
        public String toString() {
            return String.format("n=%d failed=%d p50=%.1f ms p99=%.1f ms max=%.1f ms", n, failed, p50, p99, max);
        }
    }

    /**
     * A probe for a device's own telemetry topic: a signed, valid envelope each time (anything else would be
     * quarantined and, repeated, get the device disconnected as an anomaly).
     */
    public static Supplier<byte[]> signedTelemetry(DeviceFiles d) {
        return () -> Messages.sign(d, Messages.payload(d.id(), "probe")).getBytes(StandardCharsets.UTF_8);
    }

    /** The telemetry topic of device {@code d}. */
    public static String telemetryTopic(DeviceFiles d) {
        return "devices/" + d.id() + "/telemetry";
    }

    /** One round trip in milliseconds; -1 when the PUBACK did not come within 10 s. */
    public static double roundTrip(MqttAsyncClient c, String topic, Supplier<byte[]> payload) {
        MqttMessage m = new MqttMessage(payload.get());
        m.setQos(1);
        long t0 = System.nanoTime();
        try {
            c.publish(topic, m).waitForCompletion(10_000);
            return (System.nanoTime() - t0) / 1e6;
        } catch (MqttException e) {
            return -1;
        }
    }

    /** {@code n} round trips, {@code pauseMs} apart. */
    public static Stats measure(MqttAsyncClient c, String topic, Supplier<byte[]> payload, int n, long pauseMs)
            throws InterruptedException {
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            samples.add(roundTrip(c, topic, payload));
            Thread.sleep(pauseMs);
        }
        return stats(samples);
    }

    public static Stats stats(List<Double> samples) {
        List<Double> ok = new ArrayList<>();
        int failed = 0;
        for (double s : samples) {
            if (s < 0) {
                failed++;
            } else {
                ok.add(s);
            }
        }
        Collections.sort(ok);
        if (ok.isEmpty()) {
            return new Stats(0, failed, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(ok.size(), failed, percentile(ok, 50), percentile(ok, 99), ok.get(ok.size() - 1));
    }

    private static double percentile(List<Double> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /** Samples round trips in the background until stopped. */
    public static final class Sampler implements AutoCloseable {
        private final List<Double> samples = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        public Sampler(MqttAsyncClient c, String topic, Supplier<byte[]> payload, long pauseMs) {
            thread = new Thread(() -> {
                while (running.get()) {
                    samples.add(roundTrip(c, topic, payload));
                    try {
                        Thread.sleep(pauseMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "latency-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        public List<Double> samples() {
            return List.copyOf(samples);
        }

        public Stats stop() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
            return stats(samples);
        }

        @Override
        public void close() {
            running.set(false);
        }
    }
}
