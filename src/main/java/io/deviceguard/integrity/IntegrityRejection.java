package io.deviceguard.integrity;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.broker.BrokerControl;
import io.deviceguard.routes.DeviceHeaders;
import java.time.Clock;
import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * The {@code integrity-rejected} step: a non-conforming message is counted, quarantined and audited with its
 * reason, and nothing downstream sees it. A device that sends too many in a window is disconnected and flagged.
 */
public final class IntegrityRejection {

    private final Quarantine quarantine;
    private final AuditLog audit;
    private final IntegrityMetrics metrics;
    private final AnomalyDetector anomalies;
    private final BrokerControl broker;
    private final Clock clock;

    public IntegrityRejection(Quarantine quarantine, AuditLog audit, IntegrityMetrics metrics, AnomalyDetector anomalies,
                              BrokerControl broker, Clock clock) {
        this.quarantine = quarantine;
        this.audit = audit;
        this.metrics = metrics;
        this.anomalies = anomalies;
        this.broker = broker;
        this.clock = clock;
    }

    public void handle(Exchange ex) {
        IntegrityViolation v = ex.getProperty(Exchange.EXCEPTION_CAUGHT, IntegrityViolation.class);
        String device = ex.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class);
        String topic = ex.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        byte[] raw = ex.getProperty(DeviceHeaders.RAW, byte[].class);
        if (raw == null) {
            raw = ex.getMessage().getBody(byte[].class);
        }
        Instant now = clock.instant();
        metrics.rejected(v.reason());
        int dropped = quarantine.store(device, topic, v.reason(), v.getMessage(), raw, now);
        audit.record(AuditEvent.of(AuditCategory.INTEGRITY, IntegritySteps.messageType(ex))
                .device(device)
                .denied()
                .target(topic)
                .detail("reason", v.reason().code())
                .detail("message", v.getMessage())
                .detail("bytes", raw == null ? 0 : raw.length)
                .build());
        if (dropped > 0) {
            audit.record(AuditEvent.of(AuditCategory.INTEGRITY, "quarantine-drop")
                    .outcome(AuditEvent.Outcome.FAILURE)
                    .detail("dropped", dropped)
                    .detail("message", "the quarantine is full: its oldest rows were dropped")
                    .build());
        }
        if (device != null && anomalies.rejected(device, now)) {
            int closed = broker.disconnect(device, "too many non-conforming messages");
            audit.record(AuditEvent.of(AuditCategory.ANOMALY, "integrity-flood")
                    .device(device)
                    .outcome(AuditEvent.Outcome.DENIED)
                    .target(device)
                    .detail("message", "too many non-conforming messages; device disconnected")
                    .detail("lastReason", v.reason().code())
                    .detail("connectionsClosed", closed)
                    .build());
        }
    }
}
