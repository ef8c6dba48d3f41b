package io.deviceguard.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * The device side of the platform: connects over mutual TLS with the device's own certificate (client ID = device
 * ID) and publishes signed telemetry and events. Used by the simulator, the tests and as a reference for device
 * makers.
 */
public final class DeviceClient implements AutoCloseable {

    private final DeviceIdentity identity;
    private final MqttAsyncClient client;
    /** Every node of a cluster the device may use, in the order tried; one entry for a single node. */
    private final String[] servers;
    private volatile boolean commandsSubscribed;

    public DeviceClient(DeviceIdentity identity, String host, int port) {
        this(identity, java.util.List.of(host + ":" + port));
    }

    /**
     * A device of a cluster (docs/cluster.md): {@code servers} are the nodes' MQTT addresses, {@code host:port}. The
     * device connects to the first that answers and, when that node goes away, reconnects by itself to any of them
     * (subscribing to its commands again there). Each host must be a name of the server certificate.
     */
    public DeviceClient(DeviceIdentity identity, java.util.List<String> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server address");
        }
        this.identity = identity;
        this.servers = servers.stream().map(s -> "ssl://" + s).toArray(String[]::new);
        try {
            this.client = new MqttAsyncClient(this.servers[0], identity.id(), new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    public DeviceIdentity identity() {
        return identity;
    }

    public void connect() throws MqttException {
        connect(false);
    }

    /**
     * Connects; with {@code persistentSession} the broker keeps the session (and the commands sent meanwhile, until
     * their message expiry) while the device is away, and hands them over when it returns.
     */
    public void connect(boolean persistentSession) throws MqttException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(identity.tls().getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        o.setCleanStart(!persistentSession);
        if (persistentSession) {
            o.setSessionExpiryInterval(86_400L);
        }
        o.setConnectionTimeout(30);
        o.setKeepAliveInterval(60);
        if (servers.length > 1) {
            o.setServerURIs(servers);
            o.setAutomaticReconnect(true);
            o.setAutomaticReconnectDelay(1, 5);
        } else {
            o.setAutomaticReconnect(false);
        }
        client.connect(o).waitForCompletion(60_000);
    }

    /**
     * Hands every message of {@code devices/{id}/commands} to {@code onCommand}. Call before {@link #connect}, so that
     * commands the broker kept for a persistent session are not missed; then {@link #subscribeCommands()}.
     */
    public void onCommands(java.util.function.Consumer<byte[]> onCommand) {
        String topic = "devices/" + identity.id() + "/commands";
        client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
                if (topic.equals(t)) {
                    onCommand.accept(m.getPayload());
                }
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                if (reconnect && commandsSubscribed) {
                    // another node of the cluster may hold no session of this device: subscribe there again
                    try {
                        client.subscribe(topic, 1);
                    } catch (MqttException e) {
                        // the connection went away again; the next reconnect tries once more
                    }
                }
            }

            @Override
            public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
            }
        });
    }

    /** Answers commands with {@code commands}: its reports go out as signed command-status messages of this device. */
    public DeviceCommands answerCommands(java.security.cert.X509Certificate commandCertificate, String softwareVersion) {
        DeviceCommands c = new DeviceCommands(identity, commandCertificate, softwareVersion, java.time.Clock.systemUTC(),
                this::commandStatus);
        onCommands(c::handle);
        return c;
    }

    /** Subscribes to this device's command topic (QoS 1). */
    public void subscribeCommands() throws MqttException {
        client.subscribe("devices/" + identity.id() + "/commands", 1).waitForCompletion(30_000);
        commandsSubscribed = true;
    }

    /** Reports the state of a command: a signed command-status envelope. */
    public void commandStatus(String commandId, String state, String reason, String detail) {
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("commandId", commandId);
        data.put("state", state);
        if (reason != null) {
            data.put("reason", reason);
        }
        if (detail != null) {
            data.put("detail", detail.length() > 1024 ? detail.substring(0, 1024) : detail);
        }
        try {
            publishRaw("devices/" + identity.id() + "/commands/status", Envelope.sign(identity, "command-status", data), null);
        } catch (MqttException e) {
            throw new IllegalStateException("cannot report command " + commandId + ": " + e.getMessage(), e);
        }
    }

    /** Publishes signed telemetry (QoS 1); the listener hears of the broker's acknowledgement. */
    public IMqttToken telemetry(Map<String, ?> data, MqttActionListener listener) throws MqttException {
        return publishRaw("devices/" + identity.id() + "/telemetry", Envelope.sign(identity, "telemetry", data), listener);
    }

    public IMqttToken event(String code, String severity, String message, MqttActionListener listener) throws MqttException {
        Map<String, Object> data = message == null ? Map.of("code", code, "severity", severity)
                : Map.of("code", code, "severity", severity, "message", message);
        return publishRaw("devices/" + identity.id() + "/events", Envelope.sign(identity, "event", data), listener);
    }

    /** Publishes any text as is: tests use it for malformed and tampered messages. */
    public IMqttToken publishRaw(String topic, String payload, MqttActionListener listener) throws MqttException {
        return publishRaw(topic, payload.getBytes(StandardCharsets.UTF_8), listener);
    }

    public IMqttToken publishRaw(String topic, byte[] payload, MqttActionListener listener) throws MqttException {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        return client.publish(topic, m, null, listener);
    }

    /**
     * Rotates this device's certificate over its own session: makes a new EC P-256 key pair, sends a CSR on
     * {@code devices/{id}/certificate/csr} and waits for the chain on {@code devices/{id}/certificate}. Returns the
     * new identity; the current connection keeps its old certificate until the device reconnects with the new one
     * (which retires the old one on the platform). {@link FieldProvisioning.Refused} carries a refusal's reason.
     */
    public DeviceIdentity renewCertificate(java.time.Duration timeout) throws MqttException {
        java.security.KeyPair keys = io.deviceguard.pki.Certificates.newEcKeyPair();
        return new DeviceIdentity(identity.id(), keys.getPrivate(),
                FieldProvisioning.chain(askCertificate(Csr.create(keys, identity.id()), timeout)), identity.serverCa());
    }

    /** Sends any CSR on this device's rotation topic and returns the reply text: for tests of refusals. */
    public String askCertificate(String csrPem, java.time.Duration timeout) throws MqttException {
        try (ReplyChannel c = ReplyChannel.over(client, false, "devices/" + identity.id() + "/certificate")) {
            return c.ask("devices/" + identity.id() + "/certificate/csr", csrPem, timeout);
        }
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    /** The node this device is connected to now, e.g. {@code ssl://node-b.example:8883}. */
    public String currentServer() {
        return client.getCurrentServerURI();
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        } catch (MqttException ignored) {
            // closing a dead connection: nothing left to release
        }
    }
}
