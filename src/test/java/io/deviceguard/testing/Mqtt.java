package io.deviceguard.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/** Real paho MQTT 5 clients over mutual TLS, for tests. */
public final class Mqtt {

    private Mqtt() {
    }

    public static MqttClient connect5(int port, String clientId, SSLContext tls) throws MqttException {
        MqttClient c = new MqttClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        c.connect(options(tls));
        return c;
    }

    /** An asynchronous client, for tests that read the broker's reason codes (PUBACK) from the token. */
    public static MqttAsyncClient connect5Async(int port, String clientId, SSLContext tls) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        c.connect(options(tls)).waitForCompletion(15_000);
        return c;
    }

    private static MqttConnectionOptions options(SSLContext tls) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(tls.getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        o.setConnectionTimeout(10);
        o.setCleanStart(true);
        o.setAutomaticReconnect(false);
        return o;
    }

    /** Publishes at QoS 1 and returns the PUBACK reason codes (MQTT 5: 0 = success, 0x87 = not authorized). */
    public static int[] publishAcked(MqttAsyncClient c, String topic, String payload) throws MqttException {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        IMqttToken t = c.publish(topic, m);
        t.waitForCompletion(15_000);
        return t.getReasonCodes();
    }

    public static void publish(MqttClient c, String topic, String payload) throws MqttException {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        c.publish(topic, m);
    }

    /** Subscribes and returns the granted reason codes (0-2: granted QoS; 0x80 and above: refused). */
    public static int[] subscribe(MqttClient c, String filter, List<String> received) throws MqttException {
        IMqttToken t = c.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)},
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
                    (topic, msg) -> received.add(topic + " " + new String(msg.getPayload(), StandardCharsets.UTF_8))});
        return t.getReasonCodes();
    }

    public static List<String> inbox() {
        return new CopyOnWriteArrayList<>();
    }

    public static void closeQuietly(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect().waitForCompletion(5_000);
            }
            c.close();
        } catch (MqttException ignored) {
            // the test result does not depend on a clean close
        }
    }

    public static void closeQuietly(MqttClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect();
            }
            c.close();
        } catch (MqttException ignored) {
            // the test result does not depend on a clean close
        }
    }
}
