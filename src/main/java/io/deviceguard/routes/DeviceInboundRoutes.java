package io.deviceguard.routes;

import org.apache.camel.builder.RouteBuilder;

/**
 * Device-to-cloud traffic: the routes subscribe (as the platform's service identity, over mutual TLS) to every
 * device's telemetry and events with a shared subscription, so several nodes split the load; each message passes
 * {@code device-auth-check} and the five {@code integrity-*} steps, gets its {@code audit-persistence} row, and only
 * then reaches the user-editable sink routes ({@code direct:telemetry-accepted}, {@code direct:events-accepted} in routes/*.camel.yaml).
 */
public final class DeviceInboundRoutes extends RouteBuilder {

    /** The connection of the routes that publish (commands): the service identity, over mutual TLS. */
    public static final String MQTT_OPTIONS_PRODUCER = "?brokerUrl=ssl://{{deviceguard.routes.brokerHost}}:{{deviceguard.mqtt.port}}"
            + "&socketFactory=#mqttSocketFactory&httpsHostnameVerificationEnabled=true"
            + "&qos=1&retained=false&cleanStart=true&automaticReconnect=true&maxReconnectDelay=5000"
            // within the broker's keep-alive, as for the consumers: an idle command connection pinging at paho's
            // default 60 s would be closed as silent by a broker configured with a shorter one
            + "&keepAliveInterval={{" + DeviceInboundRoutes.KEEP_ALIVE_PROPERTY + "}}";

    /** The routes' MQTT keep-alive in seconds: half the broker's server keep-alive (set by the platform). */
    public static final String KEEP_ALIVE_PROPERTY = "routes.keepAliveSeconds";

    public static final String MQTT_OPTIONS = "?brokerUrl=ssl://{{deviceguard.routes.brokerHost}}:{{deviceguard.mqtt.port}}"
            + "&socketFactory=#mqttSocketFactory&httpsHostnameVerificationEnabled=true"
            + "&qos=1&cleanStart=false&sessionExpiryInterval=86400&automaticReconnect=true&maxReconnectDelay=5000"
            // the broker's keep-alive: paho takes a shorter Server Keep Alive from the CONNACK but keeps pinging at
            // its own interval, and the broker would drop the routes' connections as silent
            + "&keepAliveInterval={{" + KEEP_ALIVE_PROPERTY + "}}"
            // acknowledge a message to the broker only once the route is done with it (audited, handled or refused)
            + "&manualAcksEnabled=true";

    /**
     * The inbound routes start after every other route (routes without a startup order get 1000 and up, in the order
     * they are defined) and stop before them: after a restart the broker delivers what waited for the platform at once,
     * and the steps it goes through (direct: routes, the user's sinks) must be there to take it.
     */
    static final int INBOUND_STARTUP_ORDER = 100_000;

    /**
     * Concurrent handling of one inbound subscription: the consumer's callback thread hands each message to a pool of
     * {@code deviceguard.routes.consumerThreads} threads and takes the next one; the broker's acknowledgement still
     * waits until the message's route is done. A full queue makes the callback thread handle the message itself
     * (back-pressure on the broker, nothing dropped). Concurrency is what lets the audit writer and the database
     * batch: one message at a time, each waits for its own commit.
     */
    public static org.apache.camel.model.ProcessorDefinition<?> concurrently(org.apache.camel.model.RouteDefinition route) {
        return route.threads().poolSize("{{deviceguard.routes.consumerThreads}}").maxPoolSize("{{deviceguard.routes.consumerThreads}}")
                .maxQueueSize("{{deviceguard.routes.consumerQueue}}").callerRunsWhenRejected(true)
                .threadName("deviceguard-inbound");
    }

    @Override
    public void configure() {
        inbound("telemetry", INBOUND_STARTUP_ORDER);
        inbound("events", INBOUND_STARTUP_ORDER + 1);

        // the steps let failures propagate to the calling route, whose error handling audits them
        from("direct:device-auth-check").routeId("device-auth-check")
                .errorHandler(noErrorHandler())
                .process("deviceAuthCheck");

        // integrity inspection: each check its own step, in the order of DESIGN.md
        from("direct:integrity").routeId("integrity")
                .errorHandler(noErrorHandler())
                .to("direct:integrity-size")
                .to("direct:integrity-signature")
                .to("direct:integrity-schema")
                .to("direct:integrity-identity")
                .to("direct:integrity-freshness");
        for (String step : new String[] {"size", "signature", "schema", "identity", "freshness"}) {
            from("direct:integrity-" + step).routeId("integrity-" + step)
                    .errorHandler(noErrorHandler())
                    .bean("integritySteps", step);
        }

        from("direct:integrity-rejected").routeId("integrity-rejected")
                .errorHandler(defaultErrorHandler())
                .bean("integrityRejection", "handle")
                .log(org.apache.camel.LoggingLevel.WARN, "Quarantined ${header.CamelMqttTopic}: ${exception.message}");

        from("direct:audit-persistence").routeId("audit-persistence")
                .errorHandler(noErrorHandler())
                .bean("auditPersistence", "accepted");

        from("direct:message-refused").routeId("message-refused")
                .errorHandler(defaultErrorHandler())
                .bean("auditPersistence", "refused")
                .log("Refused ${header.CamelMqttTopic}: ${exception.message}");

        from("direct:duplicate-delivery").routeId("duplicate-delivery")
                .errorHandler(defaultErrorHandler())
                .bean("auditPersistence", "duplicate")
                .log("Acknowledged again without handling ${header.CamelMqttTopic}: ${exception.message}");

        // the audit steps of failures must not fail into themselves: their own errors are only logged
        from("direct:route-failure").routeId("route-failure")
                .errorHandler(defaultErrorHandler())
                .bean("auditPersistence", "failed")
                .log(org.apache.camel.LoggingLevel.ERROR, "Route ${routeId} failed: ${exception.class.name}: ${exception.message}");
    }

    private void inbound(String kind, int startupOrder) {
        concurrently(from("paho-mqtt5:$share/{{deviceguard.routes.shareGroup}}/devices/+/" + kind + MQTT_OPTIONS
                + "&clientId=_deviceguard-{{deviceguard.node.id}}-" + kind)
                .routeId(kind + "-in")
                .startupOrder(startupOrder)
                .routeConfigurationId(PipelineErrorConfiguration.ID))
                .setHeader(DeviceHeaders.KIND, constant(kind))
                .to("direct:device-auth-check")
                .to("direct:integrity")
                .to("direct:audit-persistence")
                .setBody(exchangeProperty(DeviceHeaders.PAYLOAD_TEXT))
                // the default sink hands its row to the handled step: one transaction for both
                .process(ex -> ex.setProperty(io.deviceguard.store.DeferredWrites.PROPERTY, new io.deviceguard.store.DeferredWrites()))
                .to("direct:" + kind + "-accepted")
                .bean("integritySteps", "handled");
    }
}
