package io.deviceguard.management;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.command.ExecutionState;
import io.deviceguard.integrity.IntegrityMetrics;
import io.deviceguard.integrity.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import javax.sql.DataSource;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's Prometheus metrics (Micrometer), read at scrape time from where each figure already lives: the
 * integrity counters, the broker's connection count, the audit writer's queue and journal, the command executions
 * table. Refused connections are counted from the audit events themselves, so a counter and the audit rows of
 * category {@code connection} with outcome {@code denied} always agree. Route latency comes from Camel's
 * Micrometer route policy ({@code camel_route_policy_seconds}, tag {@code routeId}).
 */
public final class PlatformMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformMetrics.class);
    private static final String EXECUTIONS = "select state, count(*) from command_executions group by state";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DataSource dataSource;
    private final Map<ExecutionState, AtomicLong> executions = new EnumMap<>(ExecutionState.class);

    public PlatformMetrics(IntegrityMetrics integrity, IntSupplier connectedDevices, AuditLog audit, DataSource dataSource) {
        this.dataSource = dataSource;
        FunctionCounter.builder("deviceguard.messages.accepted", integrity, IntegrityMetrics::acceptedCount)
                .description("Device messages that passed every integrity check").register(registry);
        for (Reason r : Reason.values()) {
            FunctionCounter.builder("deviceguard.messages.rejected", integrity, m -> m.rejectedCount(r))
                    .description("Device messages quarantined, by integrity reason").tag("reason", r.code())
                    .register(registry);
        }
        Gauge.builder("deviceguard.devices.connected", connectedDevices::getAsInt)
                .description("MQTT/TLS connections open now (devices and claims)").register(registry);
        for (ExecutionState s : ExecutionState.values()) {
            AtomicLong n = new AtomicLong();
            executions.put(s, n);
            Gauge.builder("deviceguard.command.executions", n, AtomicLong::get)
                    .description("Command executions (command, device) by state").tag("state", s.name())
                    .register(registry);
        }
        Gauge.builder("deviceguard.audit.queued", audit, AuditLog::queued)
                .description("Audit events recorded, not yet written to the database").register(registry);
        Gauge.builder("deviceguard.audit.journal.rows", audit, AuditLog::journalRows)
                .description("Audit events waiting in the local journal for the database").register(registry);
        Gauge.builder("deviceguard.audit.backlog", audit, a -> a.queued() + a.journalRows())
                .description("Audit events not yet in the chain (queued + journal)").register(registry);
        audit.addListener(this::count);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void count(AuditEvent e) {
        if (e.category() == AuditCategory.CONNECTION && e.outcome() == AuditEvent.Outcome.DENIED) {
            Object reason = e.details().get("reason");
            Counter.builder("deviceguard.connections.refused")
                    .description("Connections refused (TLS handshake, MQTT CONNECT, protocol), by stage and reason")
                    .tag("stage", e.action())
                    .tag("reason", reason == null ? "unspecified" : reason.toString())
                    .register(registry).increment();
        }
    }

    /** Times every route's exchanges into this registry: bound in Camel's registry, camel-main applies it to each route. */
    public MicrometerRoutePolicyFactory routePolicyFactory() {
        MicrometerRoutePolicyFactory routes = new MicrometerRoutePolicyFactory();
        routes.setMeterRegistry(registry);
        return routes;
    }

    /** The Prometheus text exposition, with the figures read from the database refreshed first. */
    public String scrape() {
        refreshExecutions();
        return registry.scrape();
    }

    private void refreshExecutions() {
        Map<ExecutionState, Long> counts = new EnumMap<>(ExecutionState.class);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(EXECUTIONS)) {
            ps.setQueryTimeout(5);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    try {
                        counts.put(ExecutionState.valueOf(rs.getString(1)), rs.getLong(2));
                    } catch (IllegalArgumentException unknown) {
                        LOG.warn("command_executions holds an unknown state '{}'", rs.getString(1));
                    }
                }
            }
            executions.forEach((s, n) -> n.set(counts.getOrDefault(s, 0L)));
        } catch (SQLException e) {
            // the database is down: the gauges keep their last values; health says why
            LOG.debug("command executions not counted: {}", e.getMessage());
        }
    }
}
