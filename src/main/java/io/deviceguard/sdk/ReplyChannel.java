package io.deviceguard.sdk;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/** Request and reply over MQTT: subscribe to the reply topic first, then publish, then wait for one message. */
final class ReplyChannel implements AutoCloseable {

    private final MqttAsyncClient client;
    private final boolean own;
    private final String replyTopic;
    private volatile CompletableFuture<String> next = new CompletableFuture<>();

    private ReplyChannel(MqttAsyncClient client, boolean own, String replyTopic) {
        this.client = client;
        this.own = own;
        this.replyTopic = replyTopic;
    }

    /** A connection of its own, closed with the channel. */
    static ReplyChannel open(DeviceIdentity identity, String host, int port, String replyTopic) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("ssl://" + host + ":" + port, identity.id(), new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(identity.tls().getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        o.setCleanStart(true);
        o.setConnectionTimeout(30);
        o.setAutomaticReconnect(false);
        c.connect(o).waitForCompletion(60_000);
        return over(c, true, replyTopic);
    }

    /** Over an existing connection (a device rotating its certificate on its own session). */
    static ReplyChannel over(MqttAsyncClient c, boolean own, String replyTopic) throws MqttException {
        ReplyChannel ch = new ReplyChannel(c, own, replyTopic);
        IMqttMessageListener l = (topic, m) -> ch.next.complete(new String(m.getPayload(), StandardCharsets.UTF_8));
        c.subscribe(new MqttSubscription[] {new MqttSubscription(replyTopic, 1)}, null, null,
                new IMqttMessageListener[] {l}, new org.eclipse.paho.mqttv5.common.packet.MqttProperties())
                .waitForCompletion(30_000);
        return ch;
    }

    String ask(String topic, String payload, Duration timeout) throws MqttException {
        next = new CompletableFuture<>();
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        client.publish(topic, m).waitForCompletion(30_000);
        try {
            return next.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no reply on " + replyTopic + " within " + timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting on " + replyTopic);
        }
    }

    @Override
    public void close() {
        try {
            if (own) {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(5_000);
                }
                client.close();
            } else if (client.isConnected()) {
                client.unsubscribe(replyTopic).waitForCompletion(5_000);
            }
        } catch (MqttException ignored) {
            // the reply is in hand (or the wait failed already): nothing more depends on a clean close
        }
    }
}
