package io.deviceguard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.SecretFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The SQL store: an H2 file in {@code HOME/data} by default, PostgreSQL when a JDBC URL is set. Migrations
 * (Flyway, one folder per database in {@code db/migration/{vendor}}) run before anything else touches it.
 * <p>
 * The default H2 file belongs to the running platform, which serves it to host commands ({@code device create},
 * {@code audit list}) on a loopback-only port (see {@link H2Server}); the database has a generated password, kept
 * in {@code HOME/data/h2.credentials} (0600).
 */
public final class Database implements AutoCloseable {

    private static final String CREDENTIALS = "h2.credentials";

    private final HikariDataSource dataSource;
    private final String vendor;
    private H2Server h2Server;

    private Database(HikariDataSource dataSource, String vendor) {
        this.dataSource = dataSource;
        this.vendor = vendor;
    }

    /** Opens the database for the running platform, which also serves the default H2 file to host commands. */
    public static Database openForPlatform(Settings settings) {
        return open(settings, true);
    }

    /** Opens the database for a host command: through the running platform's H2 server when there is one. */
    public static Database openForHostCommand(Settings settings) {
        return open(settings, false);
    }

    private static Database open(Settings settings, boolean platform) {
        // H2 reads this once, when its classes load: set it before anything touches H2
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
        String url = settings.getOrDefault(SettingKeys.DB_URL, "");
        String user = settings.getOrDefault(SettingKeys.DB_USER, "");
        String password = settings.getOrDefault(SettingKeys.DB_PASSWORD, "");
        if (url.isEmpty()) {
            Path data = settings.home().data();
            Properties creds = h2Credentials(data);
            user = creds.getProperty("user");
            password = creds.getProperty("password");
            url = platform ? H2Server.embeddedUrl(data) : H2Server.urlForHostCommand(data);
        }
        if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("property '" + SettingKeys.DB_URL + "' must be a jdbc:h2: or jdbc:postgresql: URL");
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(settings.getInt(SettingKeys.DB_POOL_SIZE));
        cfg.setPoolName("deviceguard-db");
        cfg.setInitializationFailTimeout(10_000);
        // fail fast when the database is away: the audit log then journals locally instead of stalling its callers
        cfg.setConnectionTimeout(3_000);
        cfg.setValidationTimeout(2_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(cfg);
        } catch (RuntimeException e) {
            String hint = rootMessage(e).contains("already in use") ? " (is the platform running with this home"
                    + " but its database server unreachable? stop it, or try again)" : "";
            throw new ConfigException("cannot open the database " + redact(url) + ": " + rootMessage(e) + hint, e);
        }
        String vendor = url.startsWith("jdbc:h2:") ? "h2" : "postgresql";
        Database db = new Database(ds, vendor);
        db.migrate();
        if (platform && settings.getOrDefault(SettingKeys.DB_URL, "").isEmpty()) {
            db.h2Server = H2Server.start(settings.home().data(), password);
        }
        return db;
    }

    private void migrate() {
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/" + vendor)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            dataSource.close();
            throw new ConfigException("database migration failed: " + e.getMessage(), e);
        }
    }

    private static Properties h2Credentials(Path data) {
        Path file = data.resolve(CREDENTIALS);
        if (!Files.exists(file)) {
            Properties p = new Properties();
            p.setProperty("user", "deviceguard");
            p.setProperty("password", SecretFiles.newPassword());
            SecretFiles.writeProperties(file, p, "generated credentials of the H2 database; keep this file 0600");
        }
        Properties p = SecretFiles.readProperties(file);
        SecretFiles.require(p, "user", file);
        SecretFiles.require(p, "password", file);
        return p;
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String vendor() {
        return vendor;
    }

    @Override
    public void close() {
        if (h2Server != null) {
            h2Server.close();
        }
        dataSource.close();
    }
}
