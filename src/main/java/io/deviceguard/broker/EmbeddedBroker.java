package io.deviceguard.broker;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.deployers.impl.FileConfigurationParser;
import org.apache.activemq.artemis.core.remoting.impl.netty.TransportConstants;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;

/**
 * The embedded Artemis broker, configured from {@code broker.xml} (the home's copy if there is one, else the
 * packaged one) with deviceguard's values filled in, then held to the invariants a security layer needs.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private final ActiveMQServer server;
    private final HandshakeAudit handshakeAudit;
    private final ConnectionGuards guards;
    private final String acceptorName;

    private EmbeddedBroker(ActiveMQServer server, HandshakeAudit handshakeAudit, ConnectionGuards guards, String acceptorName) {
        this.server = server;
        this.handshakeAudit = handshakeAudit;
        this.guards = guards;
        this.acceptorName = acceptorName;
    }

    public static EmbeddedBroker start(Settings settings, BrokerLimits limits, Pki pki,
                                       DeviceSecurityManager securityManager, io.deviceguard.audit.AuditLog audit) {
        Map<String, String> vars = new HashMap<>(settings.all());
        vars.put("broker.name", "deviceguard-" + settings.get(SettingKeys.NODE_ID));
        vars.put(SettingKeys.TLS_PROVIDER, tlsProvider(settings));
        vars.put("home.data", settings.home().data().toString());
        vars.put("home.certs", pki.dir().toString());
        vars.put("pki.serverKeyStorePassword", new String(pki.password(Pki.SERVER_KEYSTORE)));
        vars.put("pki.brokerTrustStorePassword", new String(pki.password(Pki.BROKER_TRUSTSTORE)));

        BrokerXml xml = BrokerXml.locate(settings.home().brokerXml());
        Configuration config = parse(xml, vars);
        TransportConfiguration acceptor = requireSingleTlsAcceptor(config, xml);
        String key = UUID.randomUUID().toString();
        Map<String, Object> params = new HashMap<>(acceptor.getParams());
        params.put(HandshakeAudit.PARAM, key);
        params.put(ConnectionGuards.PARAM, key);
        // Artemis's protocol-detection timeout runs from TCP accept; the frame guard's connect timeout from the end of
        // TLS and audits what it closes: Artemis's is a backstop behind both, never first
        params.put(TransportConstants.HANDSHAKE_TIMEOUT, Integer.toString(settings.getInt(SettingKeys.TLS_HANDSHAKE_TIMEOUT)
                + (int) limits.connectTimeout().toSeconds() + 1));
        // the extra parameters are the MQTT protocol's (serverKeepAlive, defaultMqttSessionExpiryInterval,
        // maximumPacketSize, allowLinkStealing...): without them the broker would silently use its own defaults
        config.setAcceptorConfigurations(new java.util.HashSet<>(Set.of(new TransportConfiguration(
                AuditingAcceptorFactory.class.getName(), params, acceptor.getName(), acceptor.getExtraParams()))));
        if (!config.getClusterConfigurations().isEmpty() || !config.getBridgeConfigurations().isEmpty()) {
            throw new ConfigException(xml.origin() + " declares cluster connections or bridges; deviceguard configures the"
                    + " cluster itself from deviceguard.cluster.* (see docs/cluster.md)");
        }
        BrokerCluster cluster = BrokerCluster.from(settings);
        if (cluster != null) {
            cluster.apply(config, settings, pki);
            // the cluster acceptor audits its refused handshakes too (no MQTT frame guard: it speaks CORE)
            TransportConfiguration c = config.getAcceptorConfigurations().stream()
                    .filter(a -> a.getName().equals(BrokerCluster.ACCEPTOR)).findFirst().orElseThrow();
            Map<String, Object> clusterParams = new HashMap<>(c.getParams());
            clusterParams.put(HandshakeAudit.PARAM, key);
            config.getAcceptorConfigurations().remove(c);
            config.getAcceptorConfigurations().add(new TransportConfiguration(AuditingAcceptorFactory.class.getName(),
                    clusterParams, c.getName(), c.getExtraParams()));
        }
        config.setSecurityEnabled(true);
        config.setAuthenticationCacheSize(0);
        config.setAuthorizationCacheSize(0);
        config.registerBrokerPlugin(new DisconnectAudit(securityManager));
        config.registerBrokerPlugin(new PublisherStamp());
        config.registerBrokerPlugin(new CommandQueueCap(audit, limits.queuedCommandsPerDevice()));
        config.getIncomingInterceptorClassNames().add(SessionLimits.class.getName());
        config.getOutgoingInterceptorClassNames().add(SessionLimits.class.getName());

        String host = String.valueOf(params.get(TransportConstants.HOST_PROP_NAME));
        int port = Integer.parseInt(String.valueOf(params.get(TransportConstants.PORT_PROP_NAME)));
        requirePortFree(host, port);

        HandshakeAudit handshakeAudit = HandshakeAudit.register(audit, key);
        ConnectionGuards guards = ConnectionGuards.register(limits, audit::record,
                io.deviceguard.pki.Certificates.fingerprint(pki.serviceCert()), key);
        ActiveMQServer server = new ActiveMQServerImpl(config, securityManager);
        try {
            server.start();
        } catch (Exception e) {
            handshakeAudit.unregister();
            guards.unregister();
            stopQuietly(server);
            throw new ConfigException("the broker failed to start: " + e.getMessage(), e);
        }
        Acceptor started = server.getRemotingService().getAcceptor(acceptor.getName());
        if (started == null || !started.isStarted()) {
            handshakeAudit.unregister();
            guards.unregister();
            stopQuietly(server);
            throw new ConfigException("the MQTT acceptor did not start on " + host + ":" + port
                    + " (port in use, or an address this machine does not have?)");
        }
        if (cluster != null) {
            Acceptor clusterAcceptor = server.getRemotingService().getAcceptor(BrokerCluster.ACCEPTOR);
            if (clusterAcceptor == null || !clusterAcceptor.isStarted()) {
                handshakeAudit.unregister();
                guards.unregister();
                stopQuietly(server);
                throw new ConfigException("the cluster acceptor did not start on " + cluster.host() + ":" + cluster.port());
            }
        }
        return new EmbeddedBroker(server, handshakeAudit, guards, acceptor.getName());
    }

    /**
     * The benchmark's baseline: the same broker.xml and the same acceptor (TLS, client certificates required, the
     * same protocols and ciphers), journal in {@code dataDir}, and nothing of deviceguard's: no security manager, no
     * plugins, no interceptors, no routes. Never used by the platform itself.
     */
    public static ActiveMQServer startBare(Settings settings, Pki pki, Path dataDir) {
        Map<String, String> vars = new HashMap<>(settings.all());
        vars.put("broker.name", "bare-artemis");
        vars.put(SettingKeys.TLS_PROVIDER, tlsProvider(settings));
        vars.put("home.data", dataDir.toString());
        vars.put("home.certs", pki.dir().toString());
        vars.put("pki.serverKeyStorePassword", new String(pki.password(Pki.SERVER_KEYSTORE)));
        vars.put("pki.brokerTrustStorePassword", new String(pki.password(Pki.BROKER_TRUSTSTORE)));
        BrokerXml xml = BrokerXml.locate(settings.home().brokerXml());
        Configuration config = parse(xml, vars);
        requireSingleTlsAcceptor(config, xml);
        config.setSecurityEnabled(false);
        ActiveMQServer server = new ActiveMQServerImpl(config);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new ConfigException("the bare broker failed to start: " + e.getMessage(), e);
        }
        return server;
    }

    /** The TLS engine the broker runs on with {@code settings}: OPENSSL only where netty-tcnative's BoringSSL loads. */
    public static String effectiveTlsProvider(Settings settings) {
        String wanted = settings.get(SettingKeys.TLS_PROVIDER);
        return "OPENSSL".equals(wanted) && !io.netty.handler.ssl.OpenSsl.isAvailable() ? "JDK" : wanted;
    }

    /** OPENSSL only where netty-tcnative's BoringSSL loads; otherwise the JDK's engine, and the log says why. */
    static String tlsProvider(Settings settings) {
        String wanted = settings.get(SettingKeys.TLS_PROVIDER);
        String engine = effectiveTlsProvider(settings);
        if (!engine.equals(wanted)) {
            org.slf4j.LoggerFactory.getLogger(EmbeddedBroker.class).info("deviceguard.tls.provider=OPENSSL, but netty-tcnative"
                    + " does not load here ({}): the broker uses the JDK's TLS", String.valueOf(io.netty.handler.ssl.OpenSsl.unavailabilityCause()));
            return engine;
        }
        if ("OPENSSL".equals(wanted)) {
            org.slf4j.LoggerFactory.getLogger(EmbeddedBroker.class).info("the broker's TLS engine is OpenSSL ({}, netty-tcnative)",
                    io.netty.handler.ssl.OpenSsl.versionString());
        }
        return wanted;
    }

    private static Configuration parse(BrokerXml xml, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(xml.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = vars.get(m.group(1));
            if (value == null) {
                throw new ConfigException(xml.origin() + ": unknown placeholder ${" + m.group(1) + "}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        String resolved = out.toString();
        try (InputStream in = new ByteArrayInputStream(resolved.getBytes(StandardCharsets.UTF_8))) {
            // what FileConfigurationParser.parseMainConfig(InputStream) does, with its schema check skipped while
            // the same text conformed before
            org.w3c.dom.Element root = org.apache.activemq.artemis.utils.XMLUtil.streamToElement(in);
            BrokerSchemaCheck.check(root, resolved, xml.origin(), java.nio.file.Path.of(vars.get("home.data"), "broker"),
                    vars.entrySet().stream().filter(v -> v.getKey().toLowerCase(java.util.Locale.ROOT).contains("password"))
                            .map(Map.Entry::getValue).toList());
            Configuration config = new org.apache.activemq.artemis.core.config.impl.ConfigurationImpl();
            new FileConfigurationParser().parseMainConfig(root, config);
            return config;
        } catch (Exception e) {
            // the parser's message may quote the resolved text, which holds key store passwords: show the cause type only
            throw new ConfigException(xml.origin() + " is not a valid broker configuration ("
                    + e.getClass().getSimpleName() + "); check it against the Artemis configuration schema", e);
        }
    }

    private static TransportConfiguration requireSingleTlsAcceptor(Configuration config, BrokerXml xml) {
        Set<TransportConfiguration> acceptors = config.getAcceptorConfigurations();
        if (acceptors.size() != 1) {
            throw new ConfigException(xml.origin() + " declares " + acceptors.size()
                    + " acceptors; deviceguard allows exactly one, the MQTT/TLS acceptor");
        }
        TransportConfiguration a = acceptors.iterator().next();
        Map<String, Object> p = a.getParams();
        if (!"true".equalsIgnoreCase(String.valueOf(p.get(TransportConstants.SSL_ENABLED_PROP_NAME)))
                || !"true".equalsIgnoreCase(String.valueOf(p.get(TransportConstants.NEED_CLIENT_AUTH_PROP_NAME)))) {
            throw new ConfigException(xml.origin() + ": acceptor '" + a.getName()
                    + "' must have sslEnabled=true and needClientAuth=true");
        }
        if (!"MQTT".equalsIgnoreCase(String.valueOf(p.get(TransportConstants.PROTOCOLS_PROP_NAME)))) {
            throw new ConfigException(xml.origin() + ": acceptor '" + a.getName() + "' must have protocols=MQTT");
        }
        return a;
    }

    private static void requirePortFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException("MQTT port " + host + ":" + port + " is not available: " + e.getMessage()
                    + " (another process uses it? choose another with --mqtt-port)");
        }
    }

    private static void stopQuietly(ActiveMQServer server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // start-up already failed; the first error is the one reported
        }
    }

    public ActiveMQServer server() {
        return server;
    }

    /** MQTT device connections the frame guards count now. */
    public int deviceConnections() {
        return guards.connections();
    }

    /** TLS connections with {@code deviceId}'s certificate that the per-device limit counts now (MQTT-connected or not). */
    public int tlsConnectionsOf(String deviceId) {
        return guards.deviceConnections(deviceId);
    }

    /** The port the MQTT acceptor listens on. */
    public int mqttPort() {
        return server.getConfiguration().getAcceptorConfigurations().stream().filter(a -> a.getName().equals(acceptorName))
                .map(a -> Integer.parseInt(String.valueOf(a.getParams().get(TransportConstants.PORT_PROP_NAME))))
                .findFirst().orElseThrow();
    }

    /** The cluster link, e.g. "cluster 127.0.0.1:61617, peers [...]", or null on a single node. */
    public String clusterDescription() {
        return server.getConfiguration().getAcceptorConfigurations().stream()
                .filter(a -> a.getName().equals(BrokerCluster.ACCEPTOR))
                .map(a -> "cluster core+tls " + a.getParams().get(TransportConstants.HOST_PROP_NAME) + ":"
                        + a.getParams().get(TransportConstants.PORT_PROP_NAME))
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("broker stop failed", e);
        } finally {
            handshakeAudit.unregister();
            guards.unregister();
        }
    }

    /** Where the broker configuration comes from, and its text. */
    record BrokerXml(String origin, String text) {
        static BrokerXml locate(Path homeCopy) {
            try {
                if (Files.isRegularFile(homeCopy)) {
                    return new BrokerXml(homeCopy.toString(), Files.readString(homeCopy, StandardCharsets.UTF_8));
                }
                try (InputStream in = EmbeddedBroker.class.getResourceAsStream("/broker/broker.xml")) {
                    if (in == null) {
                        throw new ConfigException("the packaged broker/broker.xml is missing from the classpath");
                    }
                    return new BrokerXml("the packaged broker/broker.xml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new ConfigException("cannot read " + homeCopy + ": " + e.getMessage(), e);
            }
        }
    }
}
