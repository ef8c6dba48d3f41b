package io.deviceguard.broker;

import org.apache.activemq.artemis.core.config.WildcardConfiguration;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTUtil;
import org.apache.activemq.artemis.core.security.CheckType;

/**
 * The per-device topic ACL, deny by default. Artemis asks with core addresses: MQTT {@code devices/d1/telemetry}
 * arrives as {@code devices.d1.telemetry}, {@code +} as {@code *}; a subscription's queue may be appended as
 * {@code address::queue}. A '.' inside a topic level is escaped ({@code devices/dev-1.a/telemetry} is
 * {@code devices.dev-1\.a.telemetry}), so a device's own addresses are derived with the broker's own conversion,
 * never by string concatenation: {@code devices.dev-1.a.telemetry} is {@code devices/dev-1/a/telemetry}, another
 * topic. A device may publish only to its own telemetry, events, command-status and certificate/csr (rotation)
 * topics and subscribe only to its own commands and certificate topics: never a wildcard, a {@code $} topic or
 * another device's topic. A claim may publish only {@code provisioning/{enrollmentId}/csr} and subscribe only
 * {@code provisioning/{enrollmentId}/certificate}. The platform's routes (role service) may use every
 * {@code devices/} and {@code provisioning/} topic.
 */
public final class TopicAcl {

    /** Artemis's default address syntax ('.' delimiter, '*' and '#' wildcards, '\' escape), as broker.xml uses. */
    private static final WildcardConfiguration CORE = new WildcardConfiguration();

    private TopicAcl() {
    }

    public static boolean allows(Identity identity, CheckType type, String address) {
        String a = address;
        int fqqn = a.indexOf("::");
        if (fqqn >= 0) {
            a = a.substring(0, fqqn);
        }
        if (identity.role() == Identity.Role.SERVICE) {
            return (a.startsWith("devices.") || a.startsWith("provisioning.")) && !isManagement(type);
        }
        boolean publishTopic;
        boolean commandTopic;
        if (identity.role() == Identity.Role.CLAIM) {
            // a claim may only send its one CSR and hear the answer: provisioning/{enrollmentId}/csr|certificate
            String own = "provisioning/" + identity.enrollmentId() + "/";
            publishTopic = a.equals(coreAddress(own + "csr"));
            commandTopic = a.equals(coreAddress(own + "certificate"));
        } else {
            String own = "devices/" + identity.name() + "/";
            publishTopic = a.equals(coreAddress(own + "telemetry")) || a.equals(coreAddress(own + "events"))
                    || a.equals(coreAddress(own + "commands/status")) || a.equals(coreAddress(own + "certificate/csr"));
            commandTopic = a.equals(coreAddress(own + "commands")) || a.equals(coreAddress(own + "certificate"));
        }
        return switch (type) {
            case SEND -> publishTopic;
            case CREATE_ADDRESS -> publishTopic || commandTopic;
            case CREATE_DURABLE_QUEUE, CREATE_NON_DURABLE_QUEUE, DELETE_DURABLE_QUEUE, DELETE_NON_DURABLE_QUEUE, CONSUME ->
                    commandTopic;
            default -> false;
        };
    }

    private static boolean isManagement(CheckType type) {
        return type == CheckType.MANAGE || type == CheckType.EDIT || type == CheckType.DELETE_ADDRESS;
    }

    /** The core address Artemis gives an MQTT topic. */
    static String coreAddress(String mqttTopic) {
        return MQTTUtil.getCoreAddressFromMqttTopic(mqttTopic, CORE);
    }

    /** The MQTT form of a core address, for people reading the audit trail. */
    public static String mqttTopic(String address) {
        String a = address;
        int fqqn = a.indexOf("::");
        if (fqqn >= 0) {
            a = a.substring(0, fqqn);
        }
        return MQTTUtil.getMqttTopicFromCoreAddress(a, CORE);
    }
}
