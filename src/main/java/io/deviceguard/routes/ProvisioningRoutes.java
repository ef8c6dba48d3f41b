package io.deviceguard.routes;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * Device identities over MQTT, apart from the signed-message pipeline (a CSR is no signed envelope: in field
 * association the device has no key yet): {@code provisioning-csr} answers claims' CSRs on
 * {@code provisioning/{enrollmentId}/csr} and {@code rotation-csr} answers devices' rotation CSRs on
 * {@code devices/{id}/certificate/csr}. Both subscribe as the service identity with shared subscriptions, and
 * publish the chain (or "error: reason: text") on the matching certificate topic.
 */
public final class ProvisioningRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("paho-mqtt5:$share/{{deviceguard.routes.shareGroup}}/provisioning/+/csr" + DeviceInboundRoutes.MQTT_OPTIONS
                + "&clientId=_deviceguard-{{deviceguard.node.id}}-provisioning")
                .routeId("provisioning-csr")
                .routeConfigurationId(PipelineErrorConfiguration.ID)
                .bean("provisioningCsr", "enrollment")
                .to("direct:provisioning-reply");

        from("paho-mqtt5:$share/{{deviceguard.routes.shareGroup}}/devices/+/certificate/csr" + DeviceInboundRoutes.MQTT_OPTIONS
                + "&clientId=_deviceguard-{{deviceguard.node.id}}-rotation")
                .routeId("rotation-csr")
                .routeConfigurationId(PipelineErrorConfiguration.ID)
                .bean("provisioningCsr", "rotation")
                .to("direct:provisioning-reply");

        from("direct:provisioning-reply").routeId("provisioning-reply")
                .errorHandler(noErrorHandler())
                .removeHeaders("*", PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC)
                .to("paho-mqtt5:provisioning-replies" + DeviceInboundRoutes.MQTT_OPTIONS.replace("&manualAcksEnabled=true", "")
                        + "&clientId=_deviceguard-{{deviceguard.node.id}}-provisioning-out");
    }
}
