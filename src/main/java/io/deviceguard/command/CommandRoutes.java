package io.deviceguard.command;

import io.deviceguard.routes.DeviceHeaders;
import io.deviceguard.routes.DeviceInboundRoutes;
import io.deviceguard.routes.PipelineErrorConfiguration;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Commands down, status reports up. {@code command-dispatch} takes the executions due now from the database (the
 * rollout's rate applied there), splits them, and for each writes the audit row, signs, publishes to
 * {@code devices/{id}/commands} (QoS 1, not retained, message expiry = the command's remaining TTL, so an offline
 * device's persistent session holds it only as long as it is valid) and records SENT. {@code command-status-in}
 * takes the devices' reports through the same auth and integrity steps as any device message. {@code command-sweep}
 * expires, times out, aborts and completes.
 */
public final class CommandRoutes extends RouteBuilder {

    static final String DISPATCH = "DeviceGuardCommandDispatch";

    @Override
    public void configure() {
        // synchronous: the next tick waits until this one's publishes are done. Camel's timer otherwise hands the
        // exchange on and fires again while the parallel split still publishes; that tick would claim again the
        // executions not yet marked SENT (this node may renew its own claims) and publish them a second time
        from("timer:command-dispatch?period={{deviceguard.commands.pollMillis}}&delay=500&synchronous=true")
                .routeId("command-dispatch")
                .bean("commands", "due")
                // the rollout's pace chose this tick's executions (and their audit rows are written): publish them
                // on several threads at once, each still signed, audited and marked SENT after the broker's ack
                .split(body()).parallelProcessing()
                    .executorService(getContext().getExecutorServiceManager().newFixedThreadPool(this, "command-publish",
                            Integer.parseInt(getContext().resolvePropertyPlaceholders("{{deviceguard.commands.dispatchThreads}}"))))
                    .to("direct:command-publish")
                .end();

        from("direct:command-publish").routeId("command-publish")
                // a failed publish leaves the execution QUEUED: the next tick tries again; the failure is audited
                .onException(Exception.class).handled(true)
                    .to("direct:route-failure")
                .end()
                .setProperty(DISPATCH, body())
                .process(CommandRoutes::signed)
                .filter(body().isNotNull())
                    .to("paho-mqtt5:devices/commands" + DeviceInboundRoutes.MQTT_OPTIONS_PRODUCER
                            + "&clientId=_deviceguard-{{deviceguard.node.id}}-commands")
                    .process(x -> commands(x).sent(x.getProperty(DISPATCH, Commands.Dispatch.class)))
                .end();

        // in arrival order per device (a device's DELIVERED must be applied before its SUCCEEDED), devices side by side
        from("paho-mqtt5:$share/{{deviceguard.routes.shareGroup}}/devices/+/commands/status" + DeviceInboundRoutes.MQTT_OPTIONS
                + "&clientId=_deviceguard-{{deviceguard.node.id}}-command-status")
                .routeId("command-status-in")
                .routeConfigurationId(PipelineErrorConfiguration.ID)
                .process(new io.deviceguard.routes.DeviceLanes(
                        Integer.parseInt(getContext().resolvePropertyPlaceholders("{{deviceguard.commands.statusLanes}}")), 1000,
                        "deviceguard-status-lane"))
                .setHeader(DeviceHeaders.KIND, constant("commands/status"))
                .to("direct:device-auth-check")
                .to("direct:integrity")
                .to("direct:audit-persistence")
                .process(x -> commands(x).report(x.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class),
                        x.getProperty(DeviceHeaders.PAYLOAD, com.fasterxml.jackson.databind.JsonNode.class).path("data")))
                .bean("integritySteps", "handled");

        from("timer:command-sweep?period={{deviceguard.commands.pollMillis}}&delay=700&synchronous=true")
                .routeId("command-sweep")
                .onException(Exception.class).handled(true)
                    .log(LoggingLevel.WARN, "command sweep failed: ${exception.message}")
                .end()
                .bean("commands", "sweep");
    }

    private static Commands commands(Exchange x) {
        return x.getContext().getRegistry().lookupByNameAndType("commands", Commands.class);
    }

    private static void signed(Exchange x) {
        Commands.Dispatch d = x.getProperty(DISPATCH, Commands.Dispatch.class);
        String jws = commands(x).signForSend(d);
        x.getMessage().setBody(jws);
        if (jws == null) {
            return;
        }
        MqttProperties props = new MqttProperties();
        long remaining = Math.max(1, d.expiresAt().getEpochSecond() - Instant.now().getEpochSecond());
        props.setMessageExpiryInterval(remaining);
        x.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, "devices/" + d.deviceId() + "/commands");
        x.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, 1);
        x.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, false);
        x.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, props);
    }
}
