package io.deviceguard.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceStatus;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.broker.BrokerControl;
import io.deviceguard.integrity.IntegrityPolicy;
import io.deviceguard.integrity.IntegrityServices;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.Envelope;
import java.time.Clock;
import io.deviceguard.testing.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The device pipeline's steps on their own: the real routes and real database, with the MQTT consumer replaced by
 * a direct endpoint and the user's sink by a mock, so each step can be changed safely.
 */
class DevicePipelineRouteTest extends CamelTestSupport {

    private Path home;
    private PlatformServices services;
    private IntegrityServices integrity;
    private io.deviceguard.store.WriteBatcher writes;
    private final java.util.Map<String, java.security.PrivateKey> keys = new java.util.HashMap<>();

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.putAll(settings().all());
        p.put("deviceguard.routes.brokerHost", "127.0.0.1");
        return p;
    }

    private Settings settings() {
        try {
            if (home == null) {
                home = Files.createTempDirectory("dg-route-test");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Settings.load(new Home(home), TestPlatform.testProperties(), java.util.Map.of());
    }

    @Override
    protected void bindToRegistry(org.apache.camel.spi.Registry registry) {
        services = PlatformServices.open(settings(), true);
        registry.bind("dataSource", services.database().dataSource());
        registry.bind("deviceAuthCheck", new DeviceAuthCheck(services.registry()));
        registry.bind("auditPersistence", new AuditPersistence(services.audit()));
        writes = new io.deviceguard.store.WriteBatcher(services.database().dataSource(), 64, "test-pipeline-writer");
        integrity = new IntegrityServices(IntegrityPolicy.from(settings()), services.database().dataSource(), writes, services.audit(),
                new BrokerControl(null), Clock.systemUTC());
        registry.bind("integritySteps", integrity.steps());
        registry.bind("telemetrySink", new TelemetrySink(writes));
        registry.bind("integrityRejection", integrity.rejection());
        registry.bind("storeOutageGuard", new StoreOutageGuard(services.database().dataSource(), services.audit(),
                List.of("telemetry-in", "events-in")));
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new PipelineErrorConfiguration(), new DeviceInboundRoutes()};
    }

    @AfterEach
    void closeServices() {
        if (integrity != null) {
            integrity.close();
        }
        if (writes != null) {
            writes.close();
        }
        if (services != null) {
            services.close();
        }
    }

    private void adviseAndStart() throws Exception {
        for (String kind : List.of("telemetry", "events")) {
            AdviceWith.adviceWith(context, kind + "-in", a -> {
                a.replaceFromWith("direct:mqtt-" + kind);
                a.weaveByToUri("direct:" + kind + "-accepted").replace().to("mock:" + kind + "-sink");
            });
        }
        context.start();
    }

    private void register(String id, DeviceStatus status) {
        var pair = Certificates.newEcKeyPair();
        var cert = services.pki().deviceIssuer().issue(id, pair.getPublic(), Duration.ofDays(1), CertificateIssuer.Profile.CLIENT, List.of());
        services.registry().register(id, cert);
        keys.put(id, pair.getPrivate());
        if (status != DeviceStatus.ACTIVE) {
            services.registry().setStatus(id, status);
        }
    }

    /** Sends what the broker would deliver: the payload, its topic and the publisher stamp of {@code publisher}. */
    private void send(String kind, String topic, String payload, String publisher) {
        org.eclipse.paho.mqttv5.common.packet.MqttProperties props = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        if (publisher != null) {
            props.setUserProperties(List.of(new org.eclipse.paho.mqttv5.common.packet.UserProperty("dg-publisher", publisher)));
        }
        template.sendBodyAndHeaders("direct:mqtt-" + kind, payload.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.util.Map.of(PahoMqtt5Constants.MQTT_TOPIC, topic, PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, props));
    }

    private void send(String kind, String topic, String payload) {
        send(kind, topic, payload, topic.split("/")[1]);
    }

    /** A telemetry envelope of {@code id}, signed with its registered key when it has one. */
    private String signed(String id, String type, java.util.Map<String, ?> data) {
        return signed(id, type, java.util.UUID.randomUUID().toString(), data);
    }

    private String signed(String id, String type, String msgId, java.util.Map<String, ?> data) {
        java.security.PrivateKey k = keys.getOrDefault(id, Certificates.newEcKeyPair().getPrivate());
        return Envelope.sign(k, id, Envelope.payload(id, type, msgId, System.currentTimeMillis(), data).toString());
    }

    private AuditRecord awaitRow(String category, String outcome, String text) {
        AuditQuery q = services.auditQuery();
        AuditRecord[] found = new AuditRecord[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (AuditRecord r : q.newest(200, new AuditQuery.Filter(category, null, null, outcome))) {
                if (r.details() != null && r.details().contains(text) || text.equals(r.target())) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Test
    void activeDevicesMessageIsAuditedThenHandedToTheSink() throws Exception {
        adviseAndStart();
        register("sensor-1", DeviceStatus.ACTIVE);
        MockEndpoint sink = getMockEndpoint("mock:telemetry-sink");
        sink.expectedMessageCount(1);
        sink.expectedHeaderReceived(DeviceHeaders.DEVICE_ID, "sensor-1");
        sink.message(0).body().contains("\"t\":20");

        send("telemetry", "devices/sensor-1/telemetry", signed("sensor-1", "telemetry", java.util.Map.of("t", 20)));

        sink.assertIsSatisfied();
        Long seq = sink.getExchanges().get(0).getMessage().getHeader(DeviceHeaders.AUDIT_SEQ, Long.class);
        AuditRecord row = awaitRow("message", "success", "devices/sensor-1/telemetry");
        assertThat(seq).as("the sink sees the audit row that accepted the message").isEqualTo(row.seq());
    }

    @Test
    void unregisteredSuspendedAndMisaddressedMessagesNeverReachTheSink() throws Exception {
        adviseAndStart();
        register("paused-1", DeviceStatus.SUSPENDED);
        register("sensor-2", DeviceStatus.ACTIVE);
        MockEndpoint telemetry = getMockEndpoint("mock:telemetry-sink");
        MockEndpoint events = getMockEndpoint("mock:events-sink");
        telemetry.expectedMessageCount(0);
        events.expectedMessageCount(0);
        NotifyBuilder done = new NotifyBuilder(context).whenDone(4).create();

        send("telemetry", "devices/nobody/telemetry", signed("nobody", "telemetry", java.util.Map.of("t", 1)));
        send("telemetry", "devices/paused-1/telemetry", signed("paused-1", "telemetry", java.util.Map.of("t", 1)));
        send("events", "devices/sensor-2/telemetry", signed("sensor-2", "telemetry", java.util.Map.of("t", 1)));
        send("telemetry", "devices/sensor-2/telemetry/extra", signed("sensor-2", "telemetry", java.util.Map.of("t", 1)));

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        telemetry.assertIsSatisfied();
        events.assertIsSatisfied();
        awaitRow("message", "denied", "\"reason\":\"unregistered_device\"");
        awaitRow("message", "denied", "\"reason\":\"device_suspended\"");
        assertThat(services.auditQuery().newest(50, new AuditQuery.Filter("message", null, null, "denied")))
                .filteredOn(r -> r.details().contains("topic_not_allowed")).hasSize(2);
    }

    @Test
    void aFailingSinkIsAuditedAsARouteFailureAndTheNextMessageIsStillHandled() throws Exception {
        adviseAndStart();
        register("sensor-3", DeviceStatus.ACTIVE);
        MockEndpoint sink = getMockEndpoint("mock:telemetry-sink");
        sink.whenExchangeReceived(1, e -> {
            throw new IllegalStateException("sink down; password=hunter2");
        });
        sink.whenExchangeReceived(2, e -> {
            throw new IllegalStateException("sink down; password=hunter2");
        });
        sink.whenExchangeReceived(3, e -> {
            throw new IllegalStateException("sink down; password=hunter2");
        });
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("telemetry-in").whenDone(1).create();

        send("telemetry", "devices/sensor-3/telemetry", signed("sensor-3", "telemetry", java.util.Map.of("n", 1)));
        assertThat(failed.matches(10, TimeUnit.SECONDS)).isTrue();
        AuditRecord row = awaitRow("error", "failure", "IllegalStateException");
        assertThat(row.target()).isEqualTo("telemetry-in");
        assertThat(row.details()).contains("password=***").doesNotContain("hunter2");

        sink.reset();
        sink.expectedMessageCount(1);
        sink.message(0).body().contains("\"n\":2");
        send("telemetry", "devices/sensor-3/telemetry", signed("sensor-3", "telemetry", java.util.Map.of("n", 2)));
        sink.assertIsSatisfied();
    }

    /** The default sink followed by a step of the user's: its row and the handled mark are stored together or not at all. */
    @Test
    void theDefaultSinksRowIsStoredWithTheHandledMarkOrNotAtAll() throws Exception {
        java.util.concurrent.atomic.AtomicInteger afterSink = new java.util.concurrent.atomic.AtomicInteger();
        context.addRoutes(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                // the user's sink: the default sink, then a step of their own that fails for the first message
                from("direct:users-sink").routeId("users-sink").errorHandler(noErrorHandler())
                        .bean("telemetrySink", "store")
                        .process(e -> {
                            // the first message: its first delivery and the pipeline's two retries
                            if (afterSink.incrementAndGet() <= 3) {
                                throw new IllegalStateException("the step after the sink failed");
                            }
                        });
            }
        });
        AdviceWith.adviceWith(context, "telemetry-in", a -> {
            a.replaceFromWith("direct:mqtt-telemetry");
            a.weaveByToUri("direct:telemetry-accepted").replace().to("direct:users-sink");
        });
        AdviceWith.adviceWith(context, "events-in", a -> a.replaceFromWith("direct:mqtt-events"));
        context.start();
        register("sensor-6", DeviceStatus.ACTIVE);
        NotifyBuilder first = new NotifyBuilder(context).fromRoute("telemetry-in").whenDone(1).create();
        String failingId = "m-fail-" + java.util.UUID.randomUUID();
        send("telemetry", "devices/sensor-6/telemetry", signed("sensor-6", "telemetry", failingId, java.util.Map.of("n", 1)));
        assertThat(first.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(awaitRow("error", "failure", "IllegalStateException").target()).isEqualTo("telemetry-in");
        assertThat(count("select count(*) from telemetry where device_id = 'sensor-6'"))
                .as("a message whose pipeline failed after the sink stores nothing").isZero();
        assertThat(count("select count(*) from seen_messages where device_id = 'sensor-6' and msg_id = '" + failingId + "' and handled"))
                .as("and is not handled: the broker delivers it again").isZero();

        NotifyBuilder second = new NotifyBuilder(context).fromRoute("telemetry-in").whenDone(1).create();
        String okId = "m-ok-" + java.util.UUID.randomUUID();
        send("telemetry", "devices/sensor-6/telemetry", signed("sensor-6", "telemetry", okId, java.util.Map.of("n", 2)));
        assertThat(second.matches(10, TimeUnit.SECONDS)).isTrue();
        assertThat(count("select count(*) from telemetry where device_id = 'sensor-6' and msg_id = '" + okId + "' and payload like '%\"n\":2%'"))
                .isEqualTo(1);
        assertThat(count("select count(*) from seen_messages where device_id = 'sensor-6' and msg_id = '" + okId + "' and handled")).isEqualTo(1);
    }

    /** Outside the device pipeline (a route of the user's own) the default sink commits its row before it returns. */
    @Test
    void theDefaultSinkElsewhereStoresItsRowAtOnce() throws Exception {
        context.addRoutes(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("direct:my-own").routeId("my-own").bean("telemetrySink", "store");
            }
        });
        adviseAndStart();
        template.sendBodyAndHeaders("direct:my-own", "{\"from\":\"elsewhere\"}", java.util.Map.of(DeviceHeaders.DEVICE_ID, "gw-1",
                DeviceHeaders.KIND, "telemetry", DeviceHeaders.MSG_ID, "m-elsewhere-1"));
        assertThat(count("select count(*) from telemetry where device_id = 'gw-1' and msg_id = 'm-elsewhere-1'")).isEqualTo(1);
    }

    private long count(String sql) throws java.sql.SQLException {
        try (var c = services.database().dataSource().getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aMessageWhosePublisherStampNamesAnotherDeviceIsRefused() throws Exception {
        adviseAndStart();
        register("sensor-4", DeviceStatus.ACTIVE);
        MockEndpoint sink = getMockEndpoint("mock:telemetry-sink");
        sink.expectedMessageCount(0);
        NotifyBuilder done = new NotifyBuilder(context).whenDone(2).create();

        send("telemetry", "devices/sensor-4/telemetry", signed("sensor-4", "telemetry", java.util.Map.of("t", 1)), "sensor-5");
        send("telemetry", "devices/sensor-4/telemetry", signed("sensor-4", "telemetry", java.util.Map.of("t", 2)), null);

        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        sink.assertIsSatisfied();
        assertThat(services.integrityQuarantine().list("sensor-4", "identity_mismatch", 10)).hasSize(2);
    }

    @Test
    void aDeviceWithoutARegisteredCertificateCannotBeVerified() throws Exception {
        adviseAndStart();
        register("legacy-1", DeviceStatus.ACTIVE);
        try (var c = services.database().dataSource().getConnection(); var st = c.createStatement()) {
            st.executeUpdate("update devices set certificate = null where id = 'legacy-1'");
        }
        MockEndpoint sink = getMockEndpoint("mock:telemetry-sink");
        sink.expectedMessageCount(0);
        NotifyBuilder done = new NotifyBuilder(context).whenDone(1).create();
        send("telemetry", "devices/legacy-1/telemetry", signed("legacy-1", "telemetry", java.util.Map.of("t", 1)));
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();
        sink.assertIsSatisfied();
        assertThat(services.integrityQuarantine().list("legacy-1", "no_registered_key", 10)).hasSize(1);
    }
}
