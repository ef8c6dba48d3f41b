package io.deviceguard.management;

import io.deviceguard.audit.AuditLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;

/**
 * {@code /observe/health}: the broker (DOWN too while a full disk makes it refuse publishes), the database, the routes
 * and the audit journal, each UP or DOWN with a short reason; the whole is UP only if every part is. Nothing it says
 * is secret (no URLs, no user names, no stack traces).
 */
public final class PlatformHealth {

    /** One part's state and why. */
    public record Check(boolean up, String detail) {
        String status() {
            return up ? "UP" : "DOWN";
        }
    }

    /** Every part, in a fixed order. */
    public record Report(Map<String, Check> checks) {
        public boolean up() {
            return checks.values().stream().allMatch(Check::up);
        }
    }

    private final ActiveMQServer broker;
    private final DataSource dataSource;
    private final Supplier<CamelContext> camel;
    private final AuditLog audit;

    public PlatformHealth(ActiveMQServer broker, DataSource dataSource, Supplier<CamelContext> camel, AuditLog audit) {
        this.broker = broker;
        this.dataSource = dataSource;
        this.camel = camel;
        this.audit = audit;
    }

    public Report check() {
        Map<String, Check> m = new LinkedHashMap<>();
        m.put("broker", broker());
        m.put("database", database());
        m.put("routes", routes());
        m.put("auditJournal", auditJournal());
        return new Report(m);
    }

    private Check broker() {
        if (!broker.isActive()) {
            return new Check(false, "broker " + broker.getState());
        }
        org.apache.activemq.artemis.core.paging.PagingManager paging = broker.getPagingManager();
        if (paging != null && paging.isDiskFull()) {
            // devices stay connected but every publish is refused (AMQ229119) until space is freed
            return new Check(false, "disk full: publishes are refused while the journal's disk is above max-disk-usage ("
                    + broker.getConfiguration().getMaxDiskUsage() + " % in broker.xml)");
        }
        return new Check(true, "active");
    }

    private Check database() {
        // a pool waiting for an unreachable server could hold the caller for its whole connection timeout
        CompletableFuture<Check> probe = CompletableFuture.supplyAsync(() -> {
            try (Connection c = dataSource.getConnection()) {
                return c.isValid(2) ? new Check(true, "reachable") : new Check(false, "connection not valid");
            } catch (SQLException e) {
                return new Check(false, "unreachable (SQLState " + e.getSQLState() + ")");
            }
        });
        try {
            return probe.get(3, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            probe.cancel(true);
            return new Check(false, "unreachable (no answer within 3 s)");
        } catch (ExecutionException e) {
            return new Check(false, "unreachable (" + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(false, "interrupted");
        }
    }

    private Check routes() {
        CamelContext c = camel.get();
        if (c == null || !c.isStarted()) {
            return new Check(false, "the Camel context is not started");
        }
        List<String> stopped = new ArrayList<>();
        for (Route r : c.getRoutes()) {
            ServiceStatus s = c.getRouteController().getRouteStatus(r.getRouteId());
            if (s != ServiceStatus.Started) {
                stopped.add(r.getRouteId() + " " + (s == null ? "unknown" : s.name().toLowerCase()));
            }
        }
        return stopped.isEmpty() ? new Check(true, c.getRoutes().size() + " routes started")
                : new Check(false, "not started: " + String.join(", ", stopped));
    }

    private Check auditJournal() {
        long journal = audit.journalRows();
        int queued = audit.queued();
        return journal == 0 ? new Check(true, queued + " queued, journal empty")
                : new Check(false, journal + " events in the local journal wait for the database");
    }
}
