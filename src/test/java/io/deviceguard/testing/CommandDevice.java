package io.deviceguard.testing;

import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceCommands;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A simulated device that answers commands with the SDK's {@link DeviceCommands}, over a persistent MQTT session.
 * Its command handler outlives its connections, as a real device's memory of seen commands outlives a reconnect.
 * {@code tamper} changes each command on its way in (a test's man in the middle).
 */
public final class CommandDevice implements AutoCloseable {

    private final DeviceFiles files;
    private final int port;
    private final DeviceCommands commands;
    private final List<DeviceCommands.Verdict> verdicts = new CopyOnWriteArrayList<>();
    private volatile UnaryOperator<byte[]> tamper = UnaryOperator.identity();
    private volatile DeviceClient client;

    public CommandDevice(DeviceFiles files, Path commandCert, int port, String softwareVersion) {
        this.files = files;
        this.port = port;
        X509Certificate cert = Pem.readCertificate(commandCert);
        this.commands = new DeviceCommands(files.identity(), cert, softwareVersion, Clock.systemUTC(),
                (id, state, reason, detail) -> client.commandStatus(id, state, reason, detail));
    }

    /** A device of {@code p}, with the command certificate of its bundle, connected and subscribed. */
    public static CommandDevice online(TestPlatform p, String id, String softwareVersion) {
        DeviceFiles f = p.createDevice(id);
        CommandDevice d = new CommandDevice(f, f.ca().resolveSibling(Pki.COMMAND_CERT), p.mqttPort(), softwareVersion);
        d.connect();
        return d;
    }

    public CommandDevice connect() {
        DeviceClient c = new DeviceClient(files.identity(), "localhost", port);
        c.onCommands(bytes -> verdicts.add(commands.handle(tamper.apply(bytes))));
        client = c;
        try {
            c.connect(true);
            c.subscribeCommands();
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new IllegalStateException("device " + files.id() + " cannot connect: " + e.getMessage(), e);
        }
        return this;
    }

    /** Leaves without ending the session: the broker keeps what is sent meanwhile. */
    public void disconnect() {
        client.close();
    }

    public void tamper(UnaryOperator<byte[]> t) {
        this.tamper = t;
    }

    public String id() {
        return files.id();
    }

    public DeviceCommands commands() {
        return commands;
    }

    public List<DeviceCommands.Verdict> verdicts() {
        return verdicts;
    }

    @Override
    public void close() {
        commands.close();
        if (client != null) {
            client.close();
        }
    }
}
