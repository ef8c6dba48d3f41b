package io.deviceguard.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Every {@code deviceguard.*} property the platform reads, with its type. Defaults live in application.properties. */
public final class SettingKeys {

    public static final String NODE_ID = "deviceguard.node.id";
    public static final String CLUSTER_PEERS = "deviceguard.cluster.peers";
    public static final String CLUSTER_HOST = "deviceguard.cluster.host";
    public static final String CLUSTER_PORT = "deviceguard.cluster.port";
    public static final String CLUSTER_ADVERTISED_HOST = "deviceguard.cluster.advertisedHost";
    public static final String MQTT_HOST = "deviceguard.mqtt.host";
    public static final String MQTT_PORT = "deviceguard.mqtt.port";
    public static final String MQTT_MAX_PACKET_SIZE = "deviceguard.mqtt.maxPacketSize";
    public static final String MQTT_SESSION_EXPIRY = "deviceguard.mqtt.sessionExpirySeconds";
    public static final String MQTT_MAX_TOPIC_LEVELS = "deviceguard.mqtt.maxTopicLevels";
    public static final String MQTT_CONNECT_TIMEOUT = "deviceguard.mqtt.connectTimeoutSeconds";
    public static final String MQTT_SERVER_KEEP_ALIVE = "deviceguard.mqtt.serverKeepAliveSeconds";
    public static final String LIMITS_CONNECTIONS = "deviceguard.limits.connections";
    public static final String LIMITS_CONNECTIONS_PER_DEVICE = "deviceguard.limits.connectionsPerDevice";
    public static final String LIMITS_PUBLISHES_PER_SECOND = "deviceguard.limits.publishesPerSecond";
    public static final String LIMITS_PUBLISH_BURST = "deviceguard.limits.publishBurst";
    public static final String LIMITS_INFLIGHT = "deviceguard.limits.inflightPublishes";
    public static final String LIMITS_FLOOD_SECONDS = "deviceguard.limits.floodSeconds";
    public static final String LIMITS_QUEUED_COMMANDS = "deviceguard.limits.queuedCommandsPerDevice";
    public static final String TLS_PROTOCOLS = "deviceguard.tls.protocols";
    public static final String TLS_CIPHER_SUITES = "deviceguard.tls.cipherSuites";
    public static final String TLS_HANDSHAKE_TIMEOUT = "deviceguard.tls.handshakeTimeoutSeconds";
    public static final String TLS_PROVIDER = "deviceguard.tls.provider";
    public static final String PKI_SERVER_NAMES = "deviceguard.pki.serverNames";
    public static final String PKI_DEVICE_VALIDITY_DAYS = "deviceguard.pki.deviceCertValidityDays";
    public static final String PKI_ROTATION_OVERLAP_SECONDS = "deviceguard.pki.rotationOverlapSeconds";
    public static final String PKI_ENROLLMENT_MAX_TTL_MINUTES = "deviceguard.pki.enrollmentMaxTtlMinutes";
    public static final String MQTT_TAKEOVER_THRESHOLD = "deviceguard.mqtt.takeoverThreshold";
    public static final String API_MAX_IMPORT_BYTES = "deviceguard.api.maxImportBytes";
    public static final String DB_URL = "deviceguard.db.url";
    public static final String DB_USER = "deviceguard.db.user";
    public static final String DB_PASSWORD = "deviceguard.db.password";
    public static final String DB_POOL_SIZE = "deviceguard.db.poolSize";
    public static final String DB_WRITE_BATCH_SIZE = "deviceguard.db.writeBatchSize";
    public static final String ROUTES_BROKER_HOST = "deviceguard.routes.brokerHost";
    public static final String ROUTES_SHARE_GROUP = "deviceguard.routes.shareGroup";
    public static final String ROUTES_CONSUMER_THREADS = "deviceguard.routes.consumerThreads";
    public static final String ROUTES_CONSUMER_QUEUE = "deviceguard.routes.consumerQueue";
    public static final String AUDIT_QUEUE_CAPACITY = "deviceguard.audit.queueCapacity";
    public static final String AUDIT_BATCH_SIZE = "deviceguard.audit.batchSize";
    public static final String AUDIT_CHECKPOINT_ROWS = "deviceguard.audit.checkpointEveryRows";
    public static final String AUDIT_CHECKPOINT_SECONDS = "deviceguard.audit.checkpointEverySeconds";
    public static final String INTEGRITY_MAX_BYTES = "deviceguard.integrity.maxMessageBytes";
    public static final String INTEGRITY_SIGNATURE_REQUIRED = "deviceguard.integrity.signatureRequired";
    public static final String INTEGRITY_CLOCK_SKEW = "deviceguard.integrity.clockSkewSeconds";
    public static final String INTEGRITY_REPLAY_WINDOW = "deviceguard.integrity.replayWindowSeconds";
    public static final String INTEGRITY_QUARANTINE_MAX_ROWS = "deviceguard.integrity.quarantineMaxRows";
    public static final String INTEGRITY_QUARANTINE_PAYLOAD_BYTES = "deviceguard.integrity.quarantinePayloadBytes";
    public static final String INTEGRITY_ANOMALY_THRESHOLD = "deviceguard.integrity.anomalyThreshold";
    public static final String INTEGRITY_ANOMALY_WINDOW = "deviceguard.integrity.anomalyWindowSeconds";
    public static final String INTEGRITY_SCHEMA_DIR = "deviceguard.integrity.schemaDir";
    public static final String API_HOST = "deviceguard.api.host";
    public static final String API_PORT = "deviceguard.api.port";
    public static final String API_MAX_BODY_BYTES = "deviceguard.api.maxBodyBytes";
    public static final String USERS_SESSION_IDLE_MINUTES = "deviceguard.users.sessionIdleMinutes";
    public static final String USERS_SESSION_LIFETIME_MINUTES = "deviceguard.users.sessionLifetimeMinutes";
    public static final String USERS_LOCKOUT_THRESHOLD = "deviceguard.users.lockoutThreshold";
    public static final String USERS_LOCKOUT_WINDOW_MINUTES = "deviceguard.users.lockoutWindowMinutes";
    public static final String USERS_BOOTSTRAP_ADMIN = "deviceguard.users.bootstrapAdmin";
    public static final String USERS_BOOTSTRAP_PASSWORD_FILE = "deviceguard.users.bootstrapPasswordFile";
    public static final String COMMANDS_HIGH_RISK_TYPES = "deviceguard.commands.highRiskTypes";
    public static final String COMMANDS_CUSTOM_TYPES = "deviceguard.commands.customTypes";
    public static final String COMMANDS_REMOTE_ACCESS_MAX_MINUTES = "deviceguard.commands.remoteAccessMaxMinutes";
    public static final String COMMANDS_DEFAULT_TTL_SECONDS = "deviceguard.commands.defaultTtlSeconds";
    public static final String COMMANDS_RESULT_TIMEOUT_SECONDS = "deviceguard.commands.resultTimeoutSeconds";
    public static final String COMMANDS_POLL_MILLIS = "deviceguard.commands.pollMillis";
    public static final String MANAGEMENT_ENABLED = "deviceguard.management.enabled";
    public static final String MANAGEMENT_HOST = "deviceguard.management.host";
    public static final String MANAGEMENT_PORT = "deviceguard.management.port";
    public static final String MANAGEMENT_HAWTIO = "deviceguard.management.hawtio";
    public static final String MANAGEMENT_HAWTIO_WAR = "deviceguard.management.hawtioWar";
    public static final String MANAGEMENT_JOLOKIA_ACCESS = "deviceguard.management.jolokiaAccess";
    public static final String COMMANDS_DISPATCH_THREADS = "deviceguard.commands.dispatchThreads";
    public static final String COMMANDS_STATUS_LANES = "deviceguard.commands.statusLanes";

    private static final Map<String, SettingType> KEYS = new TreeMap<>(Map.ofEntries(
            Map.entry(NODE_ID, SettingType.IDENTIFIER),
            Map.entry(CLUSTER_PEERS, SettingType.HOST_PORT_LIST),
            Map.entry(CLUSTER_HOST, SettingType.HOST),
            Map.entry(CLUSTER_PORT, SettingType.PORT),
            Map.entry(CLUSTER_ADVERTISED_HOST, SettingType.HOST),
            Map.entry(PKI_ROTATION_OVERLAP_SECONDS, SettingType.POSITIVE_INT),
            Map.entry(PKI_ENROLLMENT_MAX_TTL_MINUTES, SettingType.POSITIVE_INT),
            Map.entry(MQTT_TAKEOVER_THRESHOLD, SettingType.POSITIVE_INT),
            Map.entry(API_MAX_IMPORT_BYTES, SettingType.POSITIVE_INT),
            Map.entry(MQTT_HOST, SettingType.HOST),
            Map.entry(MQTT_PORT, SettingType.PORT),
            Map.entry(MQTT_MAX_PACKET_SIZE, SettingType.POSITIVE_INT),
            Map.entry(MQTT_SESSION_EXPIRY, SettingType.POSITIVE_INT),
            Map.entry(MQTT_MAX_TOPIC_LEVELS, SettingType.POSITIVE_INT),
            Map.entry(MQTT_CONNECT_TIMEOUT, SettingType.POSITIVE_INT),
            Map.entry(MQTT_SERVER_KEEP_ALIVE, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_CONNECTIONS, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_CONNECTIONS_PER_DEVICE, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_PUBLISHES_PER_SECOND, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_PUBLISH_BURST, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_INFLIGHT, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_FLOOD_SECONDS, SettingType.POSITIVE_INT),
            Map.entry(LIMITS_QUEUED_COMMANDS, SettingType.POSITIVE_INT),
            Map.entry(TLS_PROTOCOLS, SettingType.TLS_PROTOCOLS),
            Map.entry(TLS_CIPHER_SUITES, SettingType.CIPHER_SUITES),
            Map.entry(TLS_HANDSHAKE_TIMEOUT, SettingType.POSITIVE_INT),
            Map.entry(TLS_PROVIDER, SettingType.TLS_PROVIDER),
            Map.entry(PKI_SERVER_NAMES, SettingType.HOST_LIST),
            Map.entry(PKI_DEVICE_VALIDITY_DAYS, SettingType.POSITIVE_INT),
            Map.entry(DB_URL, SettingType.TEXT),
            Map.entry(DB_USER, SettingType.TEXT),
            Map.entry(DB_PASSWORD, SettingType.TEXT),
            Map.entry(DB_POOL_SIZE, SettingType.POSITIVE_INT),
            Map.entry(DB_WRITE_BATCH_SIZE, SettingType.POSITIVE_INT),
            Map.entry(ROUTES_BROKER_HOST, SettingType.HOST),
            Map.entry(ROUTES_SHARE_GROUP, SettingType.IDENTIFIER),
            Map.entry(ROUTES_CONSUMER_THREADS, SettingType.POSITIVE_INT),
            Map.entry(ROUTES_CONSUMER_QUEUE, SettingType.POSITIVE_INT),
            Map.entry(AUDIT_QUEUE_CAPACITY, SettingType.POSITIVE_INT),
            Map.entry(AUDIT_BATCH_SIZE, SettingType.POSITIVE_INT),
            Map.entry(AUDIT_CHECKPOINT_ROWS, SettingType.POSITIVE_INT),
            Map.entry(AUDIT_CHECKPOINT_SECONDS, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_MAX_BYTES, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_SIGNATURE_REQUIRED, SettingType.BOOLEAN),
            Map.entry(INTEGRITY_CLOCK_SKEW, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_REPLAY_WINDOW, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_QUARANTINE_MAX_ROWS, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_QUARANTINE_PAYLOAD_BYTES, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_ANOMALY_THRESHOLD, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_ANOMALY_WINDOW, SettingType.POSITIVE_INT),
            Map.entry(INTEGRITY_SCHEMA_DIR, SettingType.TEXT),
            Map.entry(API_HOST, SettingType.HOST),
            Map.entry(API_PORT, SettingType.PORT),
            Map.entry(API_MAX_BODY_BYTES, SettingType.POSITIVE_INT),
            Map.entry(USERS_SESSION_IDLE_MINUTES, SettingType.POSITIVE_INT),
            Map.entry(USERS_SESSION_LIFETIME_MINUTES, SettingType.POSITIVE_INT),
            Map.entry(USERS_LOCKOUT_THRESHOLD, SettingType.POSITIVE_INT),
            Map.entry(USERS_LOCKOUT_WINDOW_MINUTES, SettingType.POSITIVE_INT),
            Map.entry(USERS_BOOTSTRAP_ADMIN, SettingType.IDENTIFIER),
            Map.entry(USERS_BOOTSTRAP_PASSWORD_FILE, SettingType.TEXT),
            Map.entry(COMMANDS_HIGH_RISK_TYPES, SettingType.IDENTIFIER_LIST),
            Map.entry(COMMANDS_CUSTOM_TYPES, SettingType.IDENTIFIER_LIST),
            Map.entry(COMMANDS_REMOTE_ACCESS_MAX_MINUTES, SettingType.POSITIVE_INT),
            Map.entry(COMMANDS_DEFAULT_TTL_SECONDS, SettingType.POSITIVE_INT),
            Map.entry(COMMANDS_DISPATCH_THREADS, SettingType.POSITIVE_INT),
            Map.entry(COMMANDS_STATUS_LANES, SettingType.POSITIVE_INT),
            Map.entry(COMMANDS_RESULT_TIMEOUT_SECONDS, SettingType.POSITIVE_INT),
            Map.entry(COMMANDS_POLL_MILLIS, SettingType.POSITIVE_INT),
            Map.entry(MANAGEMENT_ENABLED, SettingType.BOOLEAN),
            Map.entry(MANAGEMENT_HOST, SettingType.HOST),
            Map.entry(MANAGEMENT_PORT, SettingType.PORT_OR_ZERO),
            Map.entry(MANAGEMENT_HAWTIO, SettingType.BOOLEAN),
            Map.entry(MANAGEMENT_HAWTIO_WAR, SettingType.TEXT),
            Map.entry(MANAGEMENT_JOLOKIA_ACCESS, SettingType.TEXT)));

    /** Keys whose empty value means "derive a default" rather than an error. */
    private static final Set<String> MAY_BE_EMPTY = Set.of(CLUSTER_PEERS, CLUSTER_ADVERTISED_HOST, DB_URL, DB_USER,
            DB_PASSWORD, ROUTES_BROKER_HOST, INTEGRITY_SCHEMA_DIR, USERS_BOOTSTRAP_PASSWORD_FILE, COMMANDS_HIGH_RISK_TYPES,
            COMMANDS_CUSTOM_TYPES, MANAGEMENT_HAWTIO_WAR, MANAGEMENT_JOLOKIA_ACCESS);
    private static final Set<String> SECRET = Set.of(DB_PASSWORD);

    private SettingKeys() {
    }

    static Map<String, SettingType> all() {
        return KEYS;
    }

    static boolean mayBeEmpty(String key) {
        return MAY_BE_EMPTY.contains(key);
    }

    public static boolean isSecret(String key) {
        return SECRET.contains(key) || key.toLowerCase().contains("password");
    }

    /** A near miss of a known key, to turn "unknown property" into "did you mean". */
    static String suggestion(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = distance(unknown.toLowerCase(), k.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
