package io.deviceguard.routes;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the device pipeline does when the database cannot be reached: it stops taking messages (the inbound routes
 * are stopped, so their MQTT clients leave and the broker keeps every message, unacknowledged ones included),
 * probes the database every second, and resumes when it answers. Devices keep connecting and publishing to the
 * broker meanwhile; audit rows wait in the local journal. The outage and the recovery are audited.
 */
public final class StoreOutageGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreOutageGuard.class);

    private final DataSource dataSource;
    private final AuditLog audit;
    private final List<String> routeIds;
    private final AtomicBoolean down = new AtomicBoolean();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "deviceguard-store-outage");
        t.setDaemon(true);
        return t;
    });

    public StoreOutageGuard(DataSource dataSource, AuditLog audit, List<String> routeIds) {
        this.dataSource = dataSource;
        this.audit = audit;
        this.routeIds = routeIds;
    }

    public boolean isDown() {
        return down.get();
    }

    /** Called by the pipeline's error handling when a step found the database unreachable. */
    public void outage(Exchange ex) {
        if (!down.compareAndSet(false, true)) {
            return;
        }
        Throwable t = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.error("database unavailable ({}): pausing the device pipeline; devices' messages wait in the broker",
                t == null ? "?" : t.getMessage());
        audit.record(AuditEvent.of(AuditCategory.ERROR, "database-unavailable")
                .failed()
                .target(ex.getFromRouteId())
                .detail("exception", t == null ? null : t.getClass().getName())
                .detail("message", t == null ? null : Redaction.redact(t.getMessage()))
                .detail("action", "device pipeline paused until the database returns")
                .build());
        CamelContext context = ex.getContext();
        worker.submit(() -> pauseUntilBack(context));
    }

    private void pauseUntilBack(CamelContext context) {
        long t0 = System.nanoTime();
        try {
            // stopped, not suspended: the MQTT clients disconnect, and the broker redelivers what they had not
            // acknowledged when they reconnect
            for (String id : routeIds) {
                context.getRouteController().stopRoute(id, 5, java.util.concurrent.TimeUnit.SECONDS);
            }
            while (!reachable()) {
                Thread.sleep(1_000);
            }
            for (String id : routeIds) {
                context.getRouteController().startRoute(id);
            }
            Duration outage = Duration.ofNanos(System.nanoTime() - t0);
            LOG.warn("database reachable again after {} s: device pipeline resumed", outage.toSeconds());
            audit.record(AuditEvent.of(AuditCategory.ERROR, "database-recovered")
                    .detail("pausedSeconds", outage.toSeconds())
                    .build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("could not pause or resume the device pipeline: {}", e.getMessage());
        } finally {
            down.set(false);
        }
    }

    private boolean reachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
