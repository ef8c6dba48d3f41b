package io.deviceguard.routes;

import io.deviceguard.device.CertificateRotation;
import io.deviceguard.device.FieldEnrollment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The steps of {@link ProvisioningRoutes}: read the CSR, its topic and the broker's publisher stamp, let the
 * enrollment or rotation service decide, and set the reply and its topic. A CSR is small: anything over 16 KiB is
 * refused unread.
 */
public final class ProvisioningCsr {

    static final int MAX_CSR_BYTES = 16 * 1024;
    private final FieldEnrollment enrollment;
    private final CertificateRotation rotation;

    public ProvisioningCsr(FieldEnrollment enrollment, CertificateRotation rotation) {
        this.enrollment = enrollment;
        this.rotation = rotation;
    }

    /** {@code provisioning/{enrollmentId}/csr} → {@code provisioning/{enrollmentId}/certificate}. */
    public void enrollment(Exchange ex) {
        String[] parts = topic(ex);
        String enrollmentId = parts.length == 3 ? parts[1] : "?";
        String csr = text(ex);
        FieldEnrollment.Outcome o = csr == null
                ? enrollment.handleCsr(enrollmentId, publisher(ex), "")
                : enrollment.handleCsr(enrollmentId, publisher(ex), csr);
        reply(ex, "provisioning/" + enrollmentId + "/certificate", o);
    }

    /** {@code devices/{id}/certificate/csr} → {@code devices/{id}/certificate}. */
    public void rotation(Exchange ex) {
        String[] parts = topic(ex);
        String id = parts.length == 4 ? parts[1] : "?";
        String csr = text(ex);
        FieldEnrollment.Outcome o = rotation.handleCsr(id, publisher(ex), csr == null ? "" : csr);
        reply(ex, "devices/" + id + "/certificate", o);
    }

    private static void reply(Exchange ex, String topic, FieldEnrollment.Outcome o) {
        ex.getMessage().setHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, topic);
        ex.getMessage().setBody(o.reply().getBytes(StandardCharsets.UTF_8));
    }

    private static String[] topic(Exchange ex) {
        String t = ex.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        return t == null ? new String[0] : t.split("/", -1);
    }

    private static String text(Exchange ex) {
        byte[] b = ex.getMessage().getBody(byte[].class);
        return b == null || b.length > MAX_CSR_BYTES ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String publisher(Exchange ex) {
        MqttProperties props = ex.getMessage().getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, MqttProperties.class);
        if (props == null) {
            return null;
        }
        List<UserProperty> users = props.getUserProperties();
        String found = null;
        for (UserProperty u : users == null ? List.<UserProperty>of() : users) {
            if ("dg-publisher".equals(u.getKey())) {
                if (found != null) {
                    return null;
                }
                found = u.getValue();
            }
        }
        return found;
    }
}
