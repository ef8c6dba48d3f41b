package io.deviceguard.broker;

import org.apache.activemq.artemis.core.security.CheckType;

/**
 * The per-device topic ACL, deny by default. Artemis asks with core addresses: MQTT {@code devices/d1/telemetry}
 * arrives as {@code devices.d1.telemetry}, {@code +} as {@code *}, and a dot inside a topic level is escaped
 * ({@code devices/d.1/telemetry} is {@code devices.d\.1.telemetry}); a subscription's queue may be appended as
 * {@code address::queue}. A device may publish only to its own telemetry, events and command-status topics and
 * subscribe only to its own commands topic: never a wildcard, a {@code $} topic or another device's topic.
 * The platform's routes (role service) may use every {@code devices/} topic.
 */
public final class TopicAcl {

    private TopicAcl() {
    }

    public static boolean allows(Identity identity, CheckType type, String address) {
        String a = address;
        int fqqn = a.indexOf("::");
        if (fqqn >= 0) {
            a = a.substring(0, fqqn);
        }
        if (identity.role() == Identity.Role.SERVICE) {
            return a.startsWith("devices.") && !isManagement(type);
        }
        String own = "devices." + identity.name().replace(".", "\\.") + ".";
        boolean publishTopic = a.equals(own + "telemetry") || a.equals(own + "events") || a.equals(own + "commands.status");
        boolean commandTopic = a.equals(own + "commands");
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

    /** The MQTT form of a core address, for people reading the audit trail. */
    public static String mqttTopic(String address) {
        String a = address;
        int fqqn = a.indexOf("::");
        if (fqqn >= 0) {
            a = a.substring(0, fqqn);
        }
        StringBuilder out = new StringBuilder(a.length());
        for (int i = 0; i < a.length(); i++) {
            char ch = a.charAt(i);
            if (ch == '\\' && i + 1 < a.length() && a.charAt(i + 1) == '.') {
                out.append('.');
                i++;
            } else if (ch == '.') {
                out.append('/');
            } else if (ch == '*') {
                out.append('+');
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
