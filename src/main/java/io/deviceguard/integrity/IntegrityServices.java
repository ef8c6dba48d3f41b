package io.deviceguard.integrity;

import io.deviceguard.audit.AuditLog;
import io.deviceguard.broker.BrokerControl;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The integrity inspection's parts, wired once per platform, and the replay store's purge schedule. */
public final class IntegrityServices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IntegrityServices.class);

    private final IntegritySteps steps;
    private final IntegrityRejection rejection;
    private final IntegrityMetrics metrics = new IntegrityMetrics();
    private final Quarantine quarantine;
    private final ScheduledExecutorService purger;
    private javax.management.ObjectName mbean;

    /** {@code writes}: the pipeline's group commit, which the replay store's claims and handled marks go through. */
    public IntegrityServices(IntegrityPolicy policy, DataSource dataSource, io.deviceguard.store.WriteBatcher writes, AuditLog audit,
                             BrokerControl broker, Clock clock) {
        ReplayGuard replay = new ReplayGuard(dataSource, writes);
        this.quarantine = new Quarantine(dataSource, policy.quarantineMaxRows(), policy.quarantinePayloadBytes());
        io.deviceguard.device.CertificateStore certificates = new io.deviceguard.device.CertificateStore(dataSource);
        this.steps = new IntegritySteps(policy, new DeviceKeys(), new SchemaCatalog(policy.schemaDir()), replay, metrics, clock,
                certificates::ofDevice);
        this.rejection = new IntegrityRejection(quarantine, audit, metrics,
                new AnomalyDetector(policy.anomalyThreshold(), policy.anomalyWindow()), broker, clock);
        this.purger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deviceguard-replay-purge");
            t.setDaemon(true);
            return t;
        });
        purger.scheduleWithFixedDelay(() -> {
            try {
                replay.purgeBefore(clock.instant().minus(policy.replayWindow()));
            } catch (RuntimeException e) {
                LOG.warn("replay store purge failed: {}", e.getMessage());
            }
        }, 60, 60, TimeUnit.SECONDS);
    }

    public IntegritySteps steps() {
        return steps;
    }

    public IntegrityRejection rejection() {
        return rejection;
    }

    /** Publishes the counters as a JMX MBean named after {@code node}. */
    public void registerMBean(String node) {
        mbean = IntegrityMetricsMBean.register(metrics, node);
    }

    public IntegrityMetrics metrics() {
        return metrics;
    }

    public Quarantine quarantine() {
        return quarantine;
    }

    @Override
    public void close() {
        purger.shutdownNow();
        if (mbean != null) {
            IntegrityMetricsMBean.unregister(mbean);
        }
    }
}
