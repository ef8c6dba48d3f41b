package io.deviceguard.broker;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import java.time.Duration;

/**
 * What one device, or all of them, may hold of the broker: from the {@code deviceguard.mqtt.*} timeouts and the
 * {@code deviceguard.limits.*} properties (documented in application.properties). {@link #from} checks the values
 * against each other and against what MQTT can express, so a start-up with limits that cannot work fails naming the key.
 */
public record BrokerLimits(int maxPacketSize, int maxTopicLevels, Duration connectTimeout, int serverKeepAliveSeconds, int sessionExpirySeconds,
                           int connections, int connectionsPerDevice, int publishesPerSecond, int publishBurst,
                           int inflightPublishes, Duration floodTime, int queuedCommandsPerDevice) {

    /** The largest remaining length MQTT's variable byte integer can express [MQTT-1.5.5]. */
    static final int MQTT_MAX_PACKET = 268_435_455;
    /** Receive Maximum and keep-alive are two-byte integers in MQTT 5. */
    static final int TWO_BYTE_MAX = 65_535;
    /** Artemis turns a session expiry into milliseconds in an int: beyond this it overflows and expires at once. */
    static final int SESSION_EXPIRY_MAX = Integer.MAX_VALUE / 1000;

    public static BrokerLimits from(Settings s) {
        BrokerLimits l = new BrokerLimits(
                s.getInt(SettingKeys.MQTT_MAX_PACKET_SIZE),
                s.getInt(SettingKeys.MQTT_MAX_TOPIC_LEVELS),
                Duration.ofSeconds(s.getInt(SettingKeys.MQTT_CONNECT_TIMEOUT)),
                s.getInt(SettingKeys.MQTT_SERVER_KEEP_ALIVE),
                s.getInt(SettingKeys.MQTT_SESSION_EXPIRY),
                s.getInt(SettingKeys.LIMITS_CONNECTIONS),
                s.getInt(SettingKeys.LIMITS_CONNECTIONS_PER_DEVICE),
                s.getInt(SettingKeys.LIMITS_PUBLISHES_PER_SECOND),
                s.getInt(SettingKeys.LIMITS_PUBLISH_BURST),
                s.getInt(SettingKeys.LIMITS_INFLIGHT),
                Duration.ofSeconds(s.getInt(SettingKeys.LIMITS_FLOOD_SECONDS)),
                s.getInt(SettingKeys.LIMITS_QUEUED_COMMANDS));
        atMost(SettingKeys.MQTT_MAX_PACKET_SIZE, l.maxPacketSize, MQTT_MAX_PACKET, "the largest packet MQTT can describe");
        atLeast(SettingKeys.MQTT_MAX_TOPIC_LEVELS, l.maxTopicLevels, 6,
                "the deepest topic the platform itself uses ($share/GROUP/devices/ID/commands/status)");
        atMost(SettingKeys.MQTT_SESSION_EXPIRY, l.sessionExpirySeconds, SESSION_EXPIRY_MAX,
                "the broker can count (about 24 days)");
        atMost(SettingKeys.MQTT_SERVER_KEEP_ALIVE, l.serverKeepAliveSeconds, TWO_BYTE_MAX, "the largest keep-alive MQTT can express");
        atMost(SettingKeys.LIMITS_INFLIGHT, l.inflightPublishes, TWO_BYTE_MAX, "the largest Receive Maximum MQTT 5 can express");
        atMost(SettingKeys.LIMITS_CONNECTIONS_PER_DEVICE, l.connectionsPerDevice, l.connections,
                "'" + SettingKeys.LIMITS_CONNECTIONS + "' (" + l.connections + ")");
        atMost(SettingKeys.LIMITS_PUBLISHES_PER_SECOND, l.publishesPerSecond, l.publishBurst,
                "'" + SettingKeys.LIMITS_PUBLISH_BURST + "' (" + l.publishBurst + "): a burst smaller than one second's allowance"
                        + " would throttle a device that keeps to it");
        int maxMessage = s.getInt(SettingKeys.INTEGRITY_MAX_BYTES);
        atMost(SettingKeys.INTEGRITY_MAX_BYTES, maxMessage, l.maxPacketSize,
                "'" + SettingKeys.MQTT_MAX_PACKET_SIZE + "' (" + l.maxPacketSize + "): the broker would refuse such messages first");
        return l;
    }

    private static void atLeast(String key, long value, long limit, String what) {
        if (value < limit) {
            throw new ConfigException("property '" + key + "' is " + value + ", which is less than " + what + " (" + limit + ")");
        }
    }

    private static void atMost(String key, long value, long limit, String what) {
        if (value > limit) {
            throw new ConfigException("property '" + key + "' is " + value + ", which is more than " + what);
        }
    }
}
