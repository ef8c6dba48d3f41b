package io.deviceguard.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;

/**
 * A fleet of simulated devices: each connects with its own certificate and publishes signed telemetry at a fixed
 * rate for a fixed time. Counts what the broker acknowledged; the platform's verdict is in its quarantine and audit.
 */
public final class Simulator {

    /** What happened. */
    public record Result(int devices, int connected, long sent, long acked, long failed, Duration elapsed) {
    }

    private Simulator() {
    }

    public static Result run(List<DeviceIdentity> fleet, String host, int port, double ratePerDevice, Duration duration) {
        List<DeviceClient> clients = connectAll(fleet, host, port);
        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        MqttActionListener listener = new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                acked.incrementAndGet();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                failed.incrementAndGet();
            }
        };
        long periodMicros = Math.max(1_000, (long) (1_000_000 / ratePerDevice));
        ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2, r -> daemon(r, "simulator-tick"));
        long t0 = System.nanoTime();
        for (DeviceClient c : clients) {
            ticks.scheduleAtFixedRate(() -> {
                try {
                    c.telemetry(Map.of("temperature", 20 + ThreadLocalRandom.current().nextDouble(5),
                            "heartRate", 60 + ThreadLocalRandom.current().nextInt(40)), listener);
                    sent.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }, ThreadLocalRandom.current().nextLong(periodMicros), periodMicros, TimeUnit.MICROSECONDS);
        }
        try {
            ticks.awaitTermination(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ticks.shutdownNow();
        long deadline = System.currentTimeMillis() + 15_000;
        while (acked.get() + failed.get() < sent.get() && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        clients.forEach(DeviceClient::close);
        return new Result(fleet.size(), clients.size(), sent.get(), acked.get(), failed.get(), elapsed);
    }

    /**
     * Connects the fleet with persistent sessions, each device answering commands with the SDK's
     * {@link DeviceCommands} (verified against {@code commandCertificate}, reporting at {@code softwareVersion}).
     */
    public static List<DeviceClient> answeringCommands(List<DeviceIdentity> fleet, String host, int port,
                                                       java.security.cert.X509Certificate commandCertificate,
                                                       String softwareVersion) {
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> daemon(r, "simulator-connect"));
        List<Future<DeviceClient>> pending = new ArrayList<>();
        for (DeviceIdentity id : fleet) {
            pending.add(pool.submit(() -> {
                DeviceClient c = new DeviceClient(id, host, port);
                c.answerCommands(commandCertificate, softwareVersion);
                c.connect(true);
                c.subscribeCommands();
                return c;
            }));
        }
        List<DeviceClient> connected = new ArrayList<>();
        for (Future<DeviceClient> f : pending) {
            try {
                connected.add(f.get(120, TimeUnit.SECONDS));
            } catch (Exception e) {
                // a device that cannot connect is reported as not connected
            }
        }
        pool.shutdownNow();
        return connected;
    }

    private static List<DeviceClient> connectAll(List<DeviceIdentity> fleet, String host, int port) {
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> daemon(r, "simulator-connect"));
        List<Future<DeviceClient>> pending = new ArrayList<>();
        for (DeviceIdentity id : fleet) {
            pending.add(pool.submit(() -> {
                DeviceClient c = new DeviceClient(id, host, port);
                c.connect();
                return c;
            }));
        }
        List<DeviceClient> connected = new ArrayList<>();
        for (Future<DeviceClient> f : pending) {
            try {
                connected.add(f.get(90, TimeUnit.SECONDS));
            } catch (Exception e) {
                // a device that cannot connect is reported as not connected
            }
        }
        pool.shutdownNow();
        return connected;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
