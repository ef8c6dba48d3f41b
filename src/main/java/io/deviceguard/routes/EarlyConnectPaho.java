package io.deviceguard.routes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Producer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code paho-mqtt5} component, with each route's MQTT connection opened as soon as its endpoint is made instead
 * of when its route starts. Camel starts routes one at a time, and a paho connect takes ~350 ms however fast the
 * broker is (its client waits in 100 ms steps for its own threads to start): the routes' seven connections were
 * ~2.5 s of every start, one after the other. Made early, they connect side by side while Camel builds and warms up
 * the routes.
 * <p>
 * Only the first start of a consumer or producer uses its early connection; a route stopped and started again (the
 * store-outage pause) disconnects and connects as plain {@code paho-mqtt5} does. Options and URIs are unchanged: the
 * early connection is made from the endpoint's own configuration. Messages the broker delivers on a persistent
 * session before the consumer has set its callback wait for it (unacknowledged), so none is dropped.
 */
// the name makes Camel use paho-mqtt5's own option configurers for this subclass and its endpoints
@org.apache.camel.spi.annotations.Component("paho-mqtt5")
public final class EarlyConnectPaho extends PahoMqtt5Component {

    private static final Logger LOG = LoggerFactory.getLogger(EarlyConnectPaho.class);

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        EarlyEndpoint endpoint = new EarlyEndpoint(uri, remaining, this, getConfiguration().copy());
        endpoint.setClient(getClient());
        setProperties(endpoint, parameters);
        if (endpoint.getClient() == null) {
            endpoint.connectEarly();
        }
        return endpoint;
    }

    static final class EarlyEndpoint extends PahoMqtt5Endpoint {

        private CompletableFuture<GatedClient> early;

        EarlyEndpoint(String uri, String topic, PahoMqtt5Component component, PahoMqtt5Configuration configuration) {
            super(uri, topic, component, configuration);
        }

        void connectEarly() {
            PahoMqtt5Configuration c = getConfiguration();
            String clientId = c.getClientId() != null ? c.getClientId() : generateClientId();
            CompletableFuture<GatedClient> f = new CompletableFuture<>();
            early = f;
            Thread t = new Thread(() -> {
                GatedClient client = null;
                try {
                    client = new GatedClient(c.getBrokerUrl(), clientId, createMqttClientPersistence(c));
                    client.setManualAcks(c.isManualAcksEnabled());
                    client.connect(createMqttConnectionOptions());
                    f.complete(client);
                } catch (MqttException | RuntimeException e) {
                    if (client != null) {
                        client.shut();
                    }
                    f.completeExceptionally(e);
                }
            }, "deviceguard-mqtt-connect-" + clientId);
            t.setDaemon(true);
            t.start();
        }

        /** The early connection, once (null afterwards, or when there is none); its connect failure fails the start. */
        synchronized GatedClient takeEarly() throws Exception {
            CompletableFuture<GatedClient> f = early;
            early = null;
            if (f == null) {
                return null;
            }
            long timeout = Math.max(1, getConfiguration().getConnectionTimeout()) + 5L;
            try {
                return f.get(timeout, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } catch (TimeoutException e) {
                f.thenAccept(GatedClient::shut);
                throw new IllegalStateException("the route connection " + getConfiguration().getClientId() + " to "
                        + getConfiguration().getBrokerUrl() + " was not made within " + timeout + " s", e);
            }
        }

        @Override
        public Producer createProducer() throws Exception {
            EarlyProducer producer = new EarlyProducer(this);
            producer.setClient(getClient());
            return producer;
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            EarlyConsumer consumer = new EarlyConsumer(this, processor);
            consumer.setClient(getClient());
            configureConsumer(consumer);
            return consumer;
        }

        @Override
        protected void doStop() throws Exception {
            CompletableFuture<GatedClient> f;
            synchronized (this) {
                f = early;
                early = null;
            }
            if (f != null) {
                f.thenAccept(GatedClient::shut);
            }
            super.doStop();
        }
    }

    /** The early connection a consumer or producer took on its first start: disconnected and closed when it stops. */
    static final class Taken {

        private GatedClient client;

        /** On start: the early connection for one without a client yet (null when there is none or it was taken). */
        MqttClient take(MqttClient current, Endpoint endpoint) throws Exception {
            client = current == null ? ((EarlyEndpoint) endpoint).takeEarly() : null;
            return client != null ? client : current;
        }

        /** On stop, after the consumer or producer has let go of it (plain paho-mqtt5 disconnects only its own). */
        void release() {
            if (client != null) {
                client.shut();
                client = null;
            }
        }
    }

    static final class EarlyConsumer extends PahoMqtt5Consumer {

        private final Taken taken = new Taken();

        EarlyConsumer(EarlyEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        @Override
        protected void doStart() throws Exception {
            setClient(taken.take(getClient(), getEndpoint()));
            super.doStart();
        }

        @Override
        protected void doStop() throws Exception {
            super.doStop();
            taken.release();
        }
    }

    static final class EarlyProducer extends PahoMqtt5Producer {

        private final Taken taken = new Taken();

        EarlyProducer(EarlyEndpoint endpoint) {
            super(endpoint);
        }

        @Override
        protected void doStart() throws Exception {
            setClient(taken.take(getClient(), getEndpoint()));
            super.doStart();
        }

        @Override
        protected void doStop() throws Exception {
            super.doStop();
            taken.release();
        }
    }

    /**
     * A client whose callback is in place before it connects: a message that arrives before the route's consumer
     * sets its own callback waits for it instead of being dropped (paho drops, and never acknowledges, a message that
     * finds no callback).
     */
    static final class GatedClient extends MqttClient {

        private final CountDownLatch callbackSet = new CountDownLatch(1);
        private volatile MqttCallback delegate;
        private volatile boolean shut;

        GatedClient(String serverUri, String clientId, MqttClientPersistence persistence) throws MqttException {
            super(serverUri, clientId, persistence);
            super.setCallback(new Forwarder());
        }

        @Override
        public void setCallback(MqttCallback callback) {
            delegate = callback;
            callbackSet.countDown();
        }

        /** Disconnects (if connected) and releases the client's threads; failures are only logged. */
        void shut() {
            shut = true;
            try {
                if (isConnected()) {
                    disconnect();
                }
            } catch (MqttException e) {
                LOG.debug("disconnecting {}: {}", getClientId(), e.getMessage());
            }
            try {
                close();
            } catch (MqttException e) {
                LOG.debug("closing {}: {}", getClientId(), e.getMessage());
            }
        }

        private final class Forwarder implements MqttCallback {

            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                while (!callbackSet.await(100, TimeUnit.MILLISECONDS)) {
                    if (shut) {
                        // not acknowledged: the broker delivers it again to the next connection of this session
                        throw new IllegalStateException("route connection " + getClientId() + " closed before its route started");
                    }
                }
                delegate.messageArrived(topic, message);
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                MqttCallback d = delegate;
                if (d != null) {
                    d.disconnected(response);
                }
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                MqttCallback d = delegate;
                if (d != null) {
                    d.mqttErrorOccurred(exception);
                }
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                MqttCallback d = delegate;
                if (d != null) {
                    d.deliveryComplete(token);
                }
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
                MqttCallback d = delegate;
                if (d != null) {
                    d.connectComplete(reconnect, serverUri);
                }
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                MqttCallback d = delegate;
                if (d != null) {
                    d.authPacketArrived(reasonCode, properties);
                }
            }
        }
    }
}
