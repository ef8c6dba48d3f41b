package io.deviceguard.routes;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Ordered concurrency per device: the rest of the route runs on one of N single-threaded lanes, chosen by the device
 * of the message's topic ({@code devices/{id}/...}). Messages of one device keep their order (a command's DELIVERED is
 * applied before its SUCCEEDED); messages of different devices are handled side by side, so their database commits
 * can be shared. The lanes' queues are bounded: when one is full, the subscriber's thread waits (back-pressure on the
 * broker, nothing dropped). The broker's acknowledgement still follows the end of the route.
 */
public final class DeviceLanes extends AsyncProcessorSupport {

    private final int count;
    private final int queuePerLane;
    private final String name;
    private volatile ExecutorService[] lanes;

    public DeviceLanes(int lanes, int queuePerLane, String name) {
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be at least 1");
        }
        this.count = lanes;
        this.queuePerLane = queuePerLane;
        this.name = name;
    }

    @Override
    protected void doStart() {
        ExecutorService[] made = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            String thread = name + "-" + i;
            made[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(queuePerLane),
                    r -> {
                        Thread t = new Thread(r, thread);
                        t.setDaemon(true);
                        return t;
                    },
                    (r, executor) -> {
                        // full: wait for room instead of dropping or reordering
                        try {
                            if (executor.isShutdown()) {
                                throw new java.util.concurrent.RejectedExecutionException(name + " is stopped");
                            }
                            executor.getQueue().put(r);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.util.concurrent.RejectedExecutionException("interrupted while waiting for a lane", e);
                        }
                    });
        }
        lanes = made;
    }

    /** The lane of a topic {@code devices/{id}/...}: the same device always gets the same lane. */
    int laneOf(String topic) {
        String key = topic == null ? "" : topic;
        if (key.startsWith("devices/")) {
            int end = key.indexOf('/', "devices/".length());
            key = end < 0 ? key.substring("devices/".length()) : key.substring("devices/".length(), end);
        }
        return Math.floorMod(key.hashCode(), count);
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        try {
            lanes[laneOf(topic)].execute(() -> callback.done(false));
            return false;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }

    @Override
    protected void doStop() {
        ExecutorService[] running = lanes;
        if (running != null) {
            for (ExecutorService lane : running) {
                // what is queued still runs: each of those exchanges waits for its broker acknowledgement
                lane.shutdown();
            }
        }
    }
}
