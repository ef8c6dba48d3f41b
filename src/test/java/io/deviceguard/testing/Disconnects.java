package io.deviceguard.testing;

import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;

/** Notes when the broker closes a client's connection: the moment a test measures "closed within 1 s" against. */
public final class Disconnects implements MqttCallbacks {

    private final CompletableFuture<Long> at = new CompletableFuture<>();

    public static Disconnects watch(MqttClient c) {
        Disconnects d = new Disconnects();
        c.setCallback(d);
        return d;
    }

    /** System.nanoTime() of the disconnect. */
    public CompletableFuture<Long> at() {
        return at;
    }

    @Override
    public void disconnected(MqttDisconnectResponse r) {
        at.complete(System.nanoTime());
    }

    @Override
    public void mqttErrorOccurred(MqttException e) {
        at.complete(System.nanoTime());
    }
}
