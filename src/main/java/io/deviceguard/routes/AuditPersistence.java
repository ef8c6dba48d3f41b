package io.deviceguard.routes;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.audit.AuditRecord;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * The {@code audit-persistence} steps: one row per accepted message (written before any handler runs, so a handled
 * message always has its row), one per refused message, one per route failure. Route failures record the route,
 * the exception class and its message with secrets redacted.
 */
public final class AuditPersistence {

    private final AuditLog audit;
    private final String node;

    public AuditPersistence(AuditLog audit) {
        this(audit, null);
    }

    /** {@code node}: the node whose routes handle the messages, named in each accepted message's row (clusters). */
    public AuditPersistence(AuditLog audit, String node) {
        this.audit = audit;
        this.node = node;
    }

    public void accepted(Exchange exchange) {
        String id = exchange.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class);
        String kind = exchange.getMessage().getHeader(DeviceHeaders.KIND, String.class);
        byte[] body = exchange.getMessage().getBody(byte[].class);
        AuditRecord r = audit.recordAndWait(AuditEvent.of(AuditCategory.MESSAGE, kind)
                .device(id)
                .target(exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class))
                .detail("bytes", body == null ? 0 : body.length)
                .detail("qos", exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_QOS, Integer.class))
                .detail("msgId", exchange.getMessage().getHeader(DeviceHeaders.MSG_ID, String.class))
                .detail("redelivery", exchange.getProperty(DeviceHeaders.REDELIVERY, Boolean.class))
                .detail("node", node)
                .build());
        if (!r.isJournaled()) {
            exchange.getMessage().setHeader(DeviceHeaders.AUDIT_SEQ, r.seq());
        }
    }

    /** A message the broker delivered again after it had been handled: acknowledged, not handled twice. */
    public void duplicate(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        io.deviceguard.integrity.DuplicateDelivery d = t instanceof io.deviceguard.integrity.DuplicateDelivery dd ? dd : null;
        audit.recordAndWait(AuditEvent.of(AuditCategory.MESSAGE, "duplicate-delivery")
                .device(d == null ? exchange.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class) : d.deviceId())
                .target(exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class))
                .detail("msgId", d == null ? null : d.msgId())
                .detail("message", "delivered again by the broker after it was handled; acknowledged, not handled twice")
                .build());
    }

    public void refused(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DeviceMessageRefusedException e = t instanceof DeviceMessageRefusedException r ? r
                : new DeviceMessageRefusedException("refused", null, String.valueOf(t));
        audit.recordAndWait(AuditEvent.of(AuditCategory.MESSAGE, exchange.getMessage().getHeader(DeviceHeaders.KIND, "message", String.class))
                .device(e.deviceId() == null ? "(unknown)" : e.deviceId())
                .denied()
                .target(exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class))
                .detail("reason", e.reason())
                .detail("message", e.getMessage())
                .build());
    }

    public void failed(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        java.sql.SQLException sql = sqlCause(t);
        audit.recordAndWait(AuditEvent.of(AuditCategory.ERROR, sql != null ? "sql-error" : "route-failure")
                .failed()
                .target(exchange.getFromRouteId())
                .detail("route", exchange.getFromRouteId())
                .detail("failedAt", exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class))
                .detail("exception", t == null ? null : t.getClass().getName())
                .detail("message", t == null ? null : Redaction.redact(t.getMessage()))
                .detail("device", exchange.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class))
                .detail("sqlState", sql == null ? null : sql.getSQLState())
                .detail("sqlMessage", sql == null ? null : Redaction.redact(sql.getMessage()))
                .build());
    }

    private static java.sql.SQLException sqlCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.sql.SQLException s) {
                return s;
            }
        }
        return null;
    }
}
