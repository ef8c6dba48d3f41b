package io.deviceguard.platform;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.broker.BrokerControl;
import io.deviceguard.broker.BrokerLimits;
import io.deviceguard.broker.ConnectPolicy;
import io.deviceguard.broker.DeviceSecurityManager;
import io.deviceguard.broker.EmbeddedBroker;
import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.integrity.IntegrityPolicy;
import io.deviceguard.integrity.IntegrityServices;
import io.deviceguard.pki.Pki;
import io.deviceguard.routes.AuditPersistence;
import io.deviceguard.routes.DeviceAuthCheck;
import io.deviceguard.routes.DeviceInboundRoutes;
import io.deviceguard.routes.PipelineErrorConfiguration;
import io.deviceguard.routes.StoreOutageGuard;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the platform: PKI, database, audit trail, broker and routes, started in that order and stopped in
 * reverse. If any part fails to start, the parts already running are stopped (the broker's threads would otherwise
 * keep the JVM alive) and the first error is what the operator sees.
 */
public final class Platform implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Platform.class);

    private final Settings settings;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private PlatformServices services;
    private EmbeddedBroker broker;
    private IntegrityServices integrity;
    private Main camel;

    private Platform(Settings settings) {
        this.settings = settings;
    }

    public static Platform start(Settings settings) {
        Platform p = new Platform(settings);
        try {
            p.doStart();
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void doStart() {
        long t0 = System.nanoTime();
        IntegrityPolicy integrityPolicy = IntegrityPolicy.from(settings);
        BrokerLimits limits = BrokerLimits.from(settings);
        services = PlatformServices.open(settings, true);
        started.push(services);
        AuditLog audit = services.audit();
        Pki pki = services.pki();
        DeviceRegistry registry = services.registry();

        ConnectPolicy policy = new ConnectPolicy(pki.deviceCa(), pki.serviceCert(), registry);
        broker = EmbeddedBroker.start(settings, limits, pki, new DeviceSecurityManager(policy, audit), audit);
        started.push(broker);

        camel = new Main();
        camel.configure().addRoutesBuilder(new PipelineErrorConfiguration());
        camel.configure().addRoutesBuilder(new DeviceInboundRoutes());
        camel.bind("mqttSocketFactory", pki.serviceClientContext().getSocketFactory());
        camel.bind("dataSource", services.database().dataSource());
        camel.bind("deviceAuthCheck", new DeviceAuthCheck(registry));
        camel.bind("auditPersistence", new AuditPersistence(audit));
        integrity = new IntegrityServices(integrityPolicy, services.database().dataSource(), audit,
                new BrokerControl(broker.server()), Clock.systemUTC());
        started.push(integrity);
        camel.bind("integritySteps", integrity.steps());
        StoreOutageGuard outageGuard = new StoreOutageGuard(services.database().dataSource(), audit,
                List.of("telemetry-in", "events-in"));
        started.push(outageGuard);
        camel.bind("storeOutageGuard", outageGuard);
        camel.bind("integrityRejection", integrity.rejection());
        camel.setOverrideProperties(camelProperties());
        started.push(() -> camel.stop());
        try {
            camel.start();
        } catch (Exception e) {
            throw new ConfigException("the routes failed to start: " + e.getMessage(), e);
        }
        if (camel.getCamelContext() == null || !camel.getCamelContext().isStarted()) {
            throw new ConfigException("the routes failed to start (see the log above)");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        audit.recordAndWait(AuditEvent.of(AuditCategory.PLATFORM, "start")
                .detail("node", settings.get(SettingKeys.NODE_ID))
                .detail("home", settings.home().root().toString())
                .detail("listeners", "mqtt+tls " + settings.get(SettingKeys.MQTT_HOST) + ":" + broker.mqttPort())
                .detail("tlsProtocols", settings.get(SettingKeys.TLS_PROTOCOLS))
                .detail("tlsCipherSuites", settings.get(SettingKeys.TLS_CIPHER_SUITES))
                .detail("clientCertificates", "required")
                .detail("database", services.database().vendor())
                .detail("startupMillis", ms)
                .build());
        LOG.info("deviceguard ready in {} ms: MQTT over mutual TLS on {}:{} (home {})", ms,
                settings.get(SettingKeys.MQTT_HOST), broker.mqttPort(), settings.home().root());
    }

    private Map<String, Object> camelProperties() {
        Map<String, Object> props = new HashMap<>(settings.all());
        String host = settings.get(SettingKeys.MQTT_HOST);
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        props.put(SettingKeys.ROUTES_BROKER_HOST,
                settings.getOrDefault(SettingKeys.ROUTES_BROKER_HOST, wildcard ? "127.0.0.1" : host));
        props.put(SettingKeys.MQTT_PORT, Integer.toString(broker.mqttPort()));
        return props;
    }

    public Settings settings() {
        return settings;
    }

    public PlatformServices services() {
        return services;
    }

    public int mqttPort() {
        return broker.mqttPort();
    }

    public EmbeddedBroker broker() {
        return broker;
    }

    public IntegrityServices integrity() {
        return integrity;
    }

    public CamelContext camelContext() {
        return camel.getCamelContext();
    }

    @Override
    public synchronized void close() {
        if (services != null && broker != null && camel != null) {
            try {
                services.audit().recordAndWait(AuditEvent.of(AuditCategory.PLATFORM, "stop")
                        .detail("node", settings.get(SettingKeys.NODE_ID)).build());
            } catch (RuntimeException e) {
                LOG.warn("platform stop not audited: {}", e.getMessage());
            }
        }
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
