package io.deviceguard.platform;

import io.deviceguard.audit.AuditLog;
import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.CheckpointStore;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.pki.Pki;
import io.deviceguard.store.Database;

/**
 * What both the running platform and the host commands ({@code device create}, {@code audit list}) need: the PKI
 * (generated on first use), the migrated database, the audit log and the device registry.
 */
public final class PlatformServices implements AutoCloseable {

    private final io.deviceguard.config.Home home;
    private final Pki pki;
    private final Database database;
    private final AuditLog audit;
    private final DeviceRegistry registry;
    private final io.deviceguard.config.Settings settings;
    private volatile io.deviceguard.pki.DeviceKeyPolicy deviceKeys;

    private PlatformServices(io.deviceguard.config.Settings settings, Pki pki, Database database, AuditLog audit) {
        this.settings = settings;
        this.home = settings.home();
        this.pki = pki;
        this.database = database;
        this.audit = audit;
        this.registry = new DeviceRegistry(database.dataSource());
    }

    public static PlatformServices open(Settings settings, boolean platform) {
        // the database needs no cryptography: it opens while the crypto provider may still be loading
        Database db = platform ? Database.openForPlatform(settings) : Database.openForHostCommand(settings);
        Pki pki;
        try {
            io.deviceguard.crypto.CryptoProviders.install();
            pki = Pki.ensure(settings.home().certs(), settings.getList(SettingKeys.PKI_SERVER_NAMES));
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        CheckpointStore checkpoints = new CheckpointStore(db.dataSource(), settings.home().data().resolve("audit"),
                pki.auditSigningKey());
        AuditLog audit = new AuditLog(db.dataSource(), settings.getInt(SettingKeys.AUDIT_QUEUE_CAPACITY),
                settings.getInt(SettingKeys.AUDIT_BATCH_SIZE), new AuditLog.Checkpointing(checkpoints,
                settings.getInt(SettingKeys.AUDIT_CHECKPOINT_ROWS),
                java.time.Duration.ofSeconds(settings.getInt(SettingKeys.AUDIT_CHECKPOINT_SECONDS))),
                platform ? settings.home().data().resolve("audit").resolve("journal.jsonl") : null);
        return new PlatformServices(settings, pki, db, audit);
    }

    public Pki pki() {
        return pki;
    }

    /** The device keys this deployment certifies: those its broker's TLS engine accepts (see DeviceKeyPolicy). */
    public io.deviceguard.pki.DeviceKeyPolicy deviceKeys() {
        io.deviceguard.pki.DeviceKeyPolicy p = deviceKeys;
        if (p == null) {
            p = new io.deviceguard.pki.DeviceKeyPolicy(io.deviceguard.broker.EmbeddedBroker.effectiveTlsProvider(settings));
            deviceKeys = p;
        }
        return p;
    }

    public Database database() {
        return database;
    }

    public AuditLog audit() {
        return audit;
    }

    /** The signed checkpoints, in the database and in HOME/data/audit/checkpoints.jsonl. */
    public CheckpointStore checkpoints() {
        return new CheckpointStore(database.dataSource(), home.data().resolve("audit"), pki.auditSigningKey());
    }

    public AuditQuery auditQuery() {
        return new AuditQuery(database.dataSource());
    }

    /** The quarantine table, for host commands (its size limits matter only to the writer, the platform). */
    public io.deviceguard.integrity.Quarantine integrityQuarantine() {
        return new io.deviceguard.integrity.Quarantine(database.dataSource(), Integer.MAX_VALUE, 0);
    }

    public DeviceRegistry registry() {
        return registry;
    }

    /** Device certificates (current, superseded, revoked) and distrusted CAs. */
    public io.deviceguard.device.CertificateStore certificates() {
        return new io.deviceguard.device.CertificateStore(database.dataSource());
    }

    public io.deviceguard.device.Enrollments enrollments() {
        return new io.deviceguard.device.Enrollments(database.dataSource());
    }

    @Override
    public void close() {
        audit.close();
        database.close();
    }
}
