package io.deviceguard.platform;

import io.deviceguard.api.AdminApi;
import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.broker.BrokerControl;
import io.deviceguard.command.CommandSigner;
import io.deviceguard.command.CommandTypes;
import io.deviceguard.command.Commands;
import io.deviceguard.broker.BrokerLimits;
import io.deviceguard.broker.ConnectPolicy;
import io.deviceguard.broker.DeviceSecurityManager;
import io.deviceguard.broker.EmbeddedBroker;
import io.deviceguard.broker.TakeoverWatch;
import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceLifecycle;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.integrity.IntegrityPolicy;
import io.deviceguard.integrity.IntegrityServices;
import io.deviceguard.management.HawtioConsole;
import io.deviceguard.management.ManagementServer;
import io.deviceguard.management.PlatformHealth;
import io.deviceguard.management.PlatformMetrics;
import io.deviceguard.pki.Pki;
import io.deviceguard.routes.AuditPersistence;
import io.deviceguard.routes.DeviceAuthCheck;
import io.deviceguard.routes.DeviceInboundRoutes;
import io.deviceguard.routes.PipelineErrorConfiguration;
import io.deviceguard.routes.StoreOutageGuard;
import io.deviceguard.user.AdminBootstrap;
import io.deviceguard.user.UserServices;
import io.deviceguard.user.UserSettings;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final Clock clock;
    private final Map<String, String> environment;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private PlatformServices services;
    private EmbeddedBroker broker;
    private IntegrityServices integrity;
    private io.deviceguard.store.WriteBatcher pipelineWrites;
    private UserServices users;
    private AdminApi adminApi;
    private Main camel;
    private Commands commands;
    private DeviceLifecycle lifecycle;
    private ManagementServer management;

    private Platform(Settings settings, Clock clock, Map<String, String> environment) {
        this.settings = settings;
        this.clock = clock;
        this.environment = environment;
    }

    public static Platform start(Settings settings) {
        return start(settings, Clock.systemUTC(), System.getenv());
    }

    /**
     * Starts with the clock that sessions and lockouts go by (tests move it) and the environment that may hold the
     * bootstrap admin password.
     */
    public static Platform start(Settings settings, Clock clock, Map<String, String> environment) {
        // PlatformServices.open waits for it after opening the database, before the PKI
        io.deviceguard.crypto.CryptoProviders.installInBackground();
        Platform p = new Platform(settings, clock, environment);
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
        StartupPhases phases = new StartupPhases();
        IntegrityPolicy integrityPolicy = IntegrityPolicy.from(settings);
        BrokerLimits limits = BrokerLimits.from(settings);
        services = PlatformServices.open(settings, true);
        started.push(services);
        phases.mark("database and PKI");
        AuditLog audit = services.audit();
        Pki pki = services.pki();
        DeviceRegistry registry = services.registry();

        ConnectPolicy policy = new ConnectPolicy(pki.deviceCa(), pki.serviceCert(), registry, services.certificates(),
                services.enrollments());
        DeviceSecurityManager security = new DeviceSecurityManager(policy, audit,
                new TakeoverWatch(audit, settings.getInt(SettingKeys.MQTT_TAKEOVER_THRESHOLD)));
        broker = EmbeddedBroker.start(settings, limits, pki, security, audit);
        started.push(broker);
        phases.mark("broker");
        BrokerControl brokerControl = new BrokerControl(broker.server());
        lifecycle = new DeviceLifecycle(pki, registry, services.certificates(), audit, brokerControl);
        security.onDeviceConnected(lifecycle::deviceConnected);
        if (!java.nio.file.Files.exists(pki.file(Pki.CRL))) {
            lifecycle.publishCrl();
        }
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deviceguard-rotation-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                lifecycle.sweepOverlaps(java.time.Instant.now());
            } catch (RuntimeException e) {
                LOG.warn("rotation overlap sweep failed: {}", e.getMessage());
            }
        }, 1, 1, TimeUnit.SECONDS);
        started.push(sweeper::shutdownNow);

        users = UserServices.create(services.database().dataSource(), audit, clock, UserSettings.from(settings));
        AdminBootstrap.Outcome admin = AdminBootstrap.run(settings, environment, users.accounts());
        commands = new Commands(services.database().dataSource(), CommandTypes.from(settings),
                new CommandSigner(pki.commandSigningKey()), audit, new BrokerControl(broker.server()), clock,
                settings.getInt(SettingKeys.COMMANDS_DEFAULT_TTL_SECONDS),
                settings.getInt(SettingKeys.COMMANDS_RESULT_TIMEOUT_SECONDS), settings.getInt(SettingKeys.COMMANDS_POLL_MILLIS),
                settings.get(SettingKeys.NODE_ID));
        adminApi = AdminApi.start(settings, services, users, commands, lifecycle);
        started.push(adminApi);
        phases.mark("admin API");

        camel = new Main();
        camel.configure().addRoutesBuilder(new PipelineErrorConfiguration());
        camel.configure().addRoutesBuilder(new DeviceInboundRoutes());
        camel.configure().addRoutesBuilder(new io.deviceguard.command.CommandRoutes());
        camel.configure().addRoutesBuilder(new io.deviceguard.routes.ProvisioningRoutes());
        java.time.Duration deviceValidity = java.time.Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS));
        camel.bind("provisioningCsr", new io.deviceguard.routes.ProvisioningCsr(
                new io.deviceguard.device.FieldEnrollment(pki, registry, services.enrollments(), audit, deviceValidity,
                        services.deviceKeys()),
                new io.deviceguard.device.CertificateRotation(pki, registry, services.certificates(), audit, deviceValidity,
                        java.time.Duration.ofSeconds(settings.getInt(SettingKeys.PKI_ROTATION_OVERLAP_SECONDS)), services.deviceKeys())));
        camel.bind("mqttSocketFactory", pki.serviceClientContext().getSocketFactory());
        // the routes' MQTT connections open side by side as their endpoints are made, not one by one as routes start
        camel.bind("paho-mqtt5", new io.deviceguard.routes.EarlyConnectPaho());
        camel.bind("dataSource", services.database().dataSource());
        camel.bind("commands", commands);
        camel.bind("deviceAuthCheck", new DeviceAuthCheck(registry));
        camel.bind("auditPersistence", new AuditPersistence(audit, settings.get(SettingKeys.NODE_ID)));
        pipelineWrites = new io.deviceguard.store.WriteBatcher(services.database().dataSource(),
                settings.getInt(SettingKeys.DB_WRITE_BATCH_SIZE), "deviceguard-pipeline-writer");
        started.push(pipelineWrites);
        // the audit trail's batches share the pipeline's transactions: one commit for the message's writes and its row
        audit.commitThrough(pipelineWrites);
        // and so do the executions' state changes: no commit of their own beside the pipeline writer's
        commands.writeThrough(pipelineWrites);
        camel.bind("telemetrySink", new io.deviceguard.routes.TelemetrySink(pipelineWrites));
        integrity = new IntegrityServices(integrityPolicy, services.database().dataSource(), pipelineWrites, audit,
                brokerControl, Clock.systemUTC());
        started.push(integrity);
        integrity.registerMBean(settings.get(SettingKeys.NODE_ID));
        camel.bind("integritySteps", integrity.steps());
        StoreOutageGuard outageGuard = new StoreOutageGuard(services.database().dataSource(), audit,
                List.of("telemetry-in", "events-in", "command-status-in"));
        started.push(outageGuard);
        camel.bind("storeOutageGuard", outageGuard);
        camel.bind("integrityRejection", integrity.rejection());
        PlatformMetrics metrics = new PlatformMetrics(integrity.metrics(), broker::deviceConnections, audit,
                services.database().dataSource());
        camel.bind("metricsRoutePolicyFactory", metrics.routePolicyFactory());
        adminApi.bindTo(camel);
        camel.setOverrideProperties(camelProperties());
        // the management port (Jetty) starts beside the routes: on a cold JVM its classes take longer to load than
        // it takes to listen, and the routes need the other core meanwhile
        java.util.concurrent.CompletableFuture<ManagementServer> managementStart = null;
        if (Boolean.parseBoolean(settings.get(SettingKeys.MANAGEMENT_ENABLED))) {
            PlatformHealth health = new PlatformHealth(broker.server(), services.database().dataSource(),
                    this::camelContext, audit);
            managementStart = java.util.concurrent.CompletableFuture.supplyAsync(() -> ManagementServer.start(settings, pki,
                    metrics, health, users.sessions(), audit), r -> {
                        Thread t = new Thread(r, "deviceguard-management-start");
                        t.setDaemon(true);
                        t.start();
                    });
            java.util.concurrent.CompletableFuture<ManagementServer> pending = managementStart;
            started.push(() -> {
                if (management == null) {
                    // start-up failed before the port was taken over: close it once it is up
                    pending.thenAccept(ManagementServer::close);
                }
            });
        }
        started.push(() -> camel.stop());
        try {
            camel.start();
        } catch (Exception e) {
            throw new ConfigException("the routes failed to start: " + e.getMessage(), e);
        }
        if (camel.getCamelContext() == null || !camel.getCamelContext().isStarted()) {
            throw new ConfigException("the routes failed to start (see the log above)");
        }
        phases.mark("routes");
        String managementListener = "off";
        long managementMs = 0;
        if (managementStart != null) {
            long m0 = System.nanoTime();
            try {
                management = managementStart.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            started.push(management);
            managementListener = "https " + management.host() + ":" + management.port();
            managementMs = (System.nanoTime() - m0) / 1_000_000;
            phases.mark("management port");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        audit.recordAndWait(AuditEvent.of(AuditCategory.PLATFORM, "start")
                .target(settings.get(SettingKeys.NODE_ID))
                .detail("node", settings.get(SettingKeys.NODE_ID))
                .detail("home", settings.home().root().toString())
                .detail("listeners", "mqtt+tls " + settings.get(SettingKeys.MQTT_HOST) + ":" + broker.mqttPort()
                        + ", admin-api https " + adminApi.host() + ":" + adminApi.port()
                        + ", management " + managementListener
                        + (broker.clusterDescription() == null ? "" : ", " + broker.clusterDescription()))
                .detail("clusterPeers", settings.getList(SettingKeys.CLUSTER_PEERS).isEmpty() ? null
                        : String.join(",", settings.getList(SettingKeys.CLUSTER_PEERS)))
                .detail("adminAccount", admin.name().toLowerCase())
                .detail("tlsProtocols", settings.get(SettingKeys.TLS_PROTOCOLS))
                .detail("tlsCipherSuites", settings.get(SettingKeys.TLS_CIPHER_SUITES))
                .detail("clientCertificates", "required")
                .detail("database", services.database().vendor())
                .detail("cryptoProvider", io.deviceguard.crypto.CryptoProviders.first())
                .detail("startupMillis", ms)
                .detail("startupPhases", phases.toString())
                .build());
        LOG.info("deviceguard ready in {} ms ({}): MQTT over mutual TLS on {}:{}, admin API on https://{}:{}{} (home {},"
                + " database {})", ms, phases, settings.get(SettingKeys.MQTT_HOST), broker.mqttPort(), adminApi.host(),
                adminApi.port(), broker.clusterDescription() == null ? "" : ", " + broker.clusterDescription()
                        + " with peers " + settings.getList(SettingKeys.CLUSTER_PEERS),
                settings.home().root(), services.database().vendor());
        if (management != null) {
            LOG.info("management on https://{}:{}/observe/metrics and /observe/health (waited {} ms for it after the routes; Hawtio follows)",
                    management.host(), management.port(), managementMs);
            deployHawtio();
        }
    }

    private void deployHawtio() {
        if (!Boolean.parseBoolean(settings.get(SettingKeys.MANAGEMENT_HAWTIO))) {
            management.noHawtio(SettingKeys.MANAGEMENT_HAWTIO + "=false");
            return;
        }
        java.nio.file.Path war = HawtioConsole.locateWar(settings.get(SettingKeys.MANAGEMENT_HAWTIO_WAR));
        if (war == null) {
            management.noHawtio("no lib/hawtio-war-*.war beside deviceguard.jar (set " + SettingKeys.MANAGEMENT_HAWTIO_WAR + ")");
            return;
        }
        String policy = settings.get(SettingKeys.MANAGEMENT_JOLOKIA_ACCESS);
        if (!policy.isEmpty() && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(policy))) {
            throw new ConfigException(SettingKeys.MANAGEMENT_JOLOKIA_ACCESS + ": " + policy + " is not a file");
        }
        management.deployHawtio(war, settings.home().data().resolve("management").resolve("hawtio-work"),
                policy.isEmpty() ? "classpath:/management/jolokia-access.xml" : java.nio.file.Path.of(policy).toUri().toString(),
                users.sessions(), settings.getInt(SettingKeys.USERS_SESSION_IDLE_MINUTES) * 60);
    }

    private Map<String, Object> camelProperties() {
        Map<String, Object> props = new HashMap<>(settings.all());
        String host = settings.get(SettingKeys.MQTT_HOST);
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        props.put(SettingKeys.ROUTES_BROKER_HOST,
                settings.getOrDefault(SettingKeys.ROUTES_BROKER_HOST, wildcard ? "127.0.0.1" : host));
        props.put(SettingKeys.MQTT_PORT, Integer.toString(broker.mqttPort()));
        // the routes' own MQTT connections ping twice per server keep-alive: the broker closes a connection silent
        // for 1.5 times it, and a ping sent exactly on time can arrive late on a busy machine
        props.put(DeviceInboundRoutes.KEEP_ALIVE_PROPERTY,
                Integer.toString(Math.max(1, settings.getInt(SettingKeys.MQTT_SERVER_KEEP_ALIVE) / 2)));
        // no route needs it, and Camel's property sources are readable over JMX (Hawtio)
        props.remove(SettingKeys.DB_PASSWORD);
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

    /** The port of the HTTPS admin API. */
    public int adminPort() {
        return adminApi.port();
    }

    /** The management port (metrics, health, Hawtio); null when deviceguard.management.enabled=false. */
    public ManagementServer management() {
        return management;
    }

    /** Revocation, suspension, CA distrust, CRL. */
    public DeviceLifecycle lifecycle() {
        return lifecycle;
    }

    public UserServices users() {
        return users;
    }

    public EmbeddedBroker broker() {
        return broker;
    }

    public IntegrityServices integrity() {
        return integrity;
    }

    /** The group-commit writer of the message pipeline (its counts are read by the throughput benchmark). */
    public io.deviceguard.store.WriteBatcher pipelineWrites() {
        return pipelineWrites;
    }

    /** Cloud-to-device commands and device groups. */
    public Commands commands() {
        return commands;
    }

    public CamelContext camelContext() {
        return camel.getCamelContext();
    }

    @Override
    public synchronized void close() {
        if (services != null && broker != null && camel != null) {
            try {
                services.audit().recordAndWait(AuditEvent.of(AuditCategory.PLATFORM, "stop")
                        .target(settings.get(SettingKeys.NODE_ID))
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
