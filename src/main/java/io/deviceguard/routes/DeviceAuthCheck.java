package io.deviceguard.routes;

import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.device.DeviceStatus;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * The {@code device-auth-check} step: the topic must be {@code devices/{id}/{kind}} for the kind this route
 * handles, and {@code id} a registered ACTIVE device. The broker's ACL already binds the topic to the publishing
 * connection's certificate; this re-checks at the moment of handling, so a device suspended after its message was
 * queued is not handled either.
 */
public final class DeviceAuthCheck implements Processor {

    private final DeviceRegistry registry;

    public DeviceAuthCheck(DeviceRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void process(Exchange exchange) {
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        String expectedKind = exchange.getMessage().getHeader(DeviceHeaders.KIND, String.class);
        String[] parts = topic == null ? new String[0] : topic.split("/", 3);
        if (parts.length != 3 || !"devices".equals(parts[0]) || !parts[2].equals(expectedKind)) {
            throw new DeviceMessageRefusedException("topic_not_allowed", null,
                    "topic '" + DeviceId.printable(topic) + "' is not devices/{id}/" + expectedKind);
        }
        String id = parts[1];
        if (!DeviceId.isValid(id)) {
            throw new DeviceMessageRefusedException("invalid_device_id", null, "invalid device ID in topic " + DeviceId.printable(topic));
        }
        Optional<Device> device = registry.find(id);
        if (device.isEmpty()) {
            throw new DeviceMessageRefusedException("unregistered_device", id, "device " + id + " is not registered");
        }
        if (device.get().status() != DeviceStatus.ACTIVE) {
            throw new DeviceMessageRefusedException("device_" + device.get().status().name().toLowerCase(), id,
                    "device " + id + " is " + device.get().status().name().toLowerCase());
        }
        exchange.getMessage().setHeader(DeviceHeaders.DEVICE_ID, id);
        exchange.setProperty(DeviceHeaders.DEVICE, device.get());
    }
}
