package io.deviceguard.management;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import io.deviceguard.user.Sessions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port: one HTTPS listener (Jetty 12) with the PKI's server certificate and the protocols and suites
 * of {@code deviceguard.tls.*}, as the MQTT acceptor and the admin API; loopback unless
 * {@code deviceguard.management.host} says otherwise. It serves {@code /observe/metrics}, {@code /observe/health} and,
 * deployed in the background once the platform is ready (unpacking the war takes a while), Hawtio at {@code /hawtio}.
 */
public final class ManagementServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    private final Server server;
    private final ServerConnector connector;
    private final String host;
    private final CompletableFuture<Boolean> hawtio = new CompletableFuture<>();
    private volatile Thread deployer;

    private ManagementServer(Server server, ServerConnector connector, String host) {
        this.server = server;
        this.connector = connector;
        this.host = host;
    }

    /** Binds the port and serves metrics and health; Hawtio follows with {@link #deployHawtio}. */
    public static ManagementServer start(Settings settings, Pki pki, PlatformMetrics metrics, PlatformHealth health,
                                         Sessions sessions, io.deviceguard.audit.AuditLog audit) {
        String host = settings.get(SettingKeys.MANAGEMENT_HOST);
        int port = settings.getInt(SettingKeys.MANAGEMENT_PORT);
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("deviceguard-management");
        threads.setDaemon(true);
        Server server = new Server(threads);
        server.setStopTimeout(5_000);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // clients reach a loopback listener by IP (no SNI); the certificate's names are checked by the client
        secure.setSniHostCheck(false);
        secure.setStsMaxAge(31_536_000);
        http.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(server, 1, 1,
                new SslConnectionFactory(tls(settings, pki), "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(120_000);
        server.addConnector(connector);

        ContextHandlerCollection contexts = new ContextHandlerCollection(true);
        ServletContextHandler observe = new ServletContextHandler("/observe");
        ScrapeAccess access = ScrapeAccess.open(settings.home().data().resolve("management").resolve("scrape-token"),
                sessions, audit);
        observe.addServlet(new ServletHolder("observe", new ObserveServlet(metrics, health, access)), "/*");
        contexts.addHandler(observe);
        server.setHandler(contexts);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new ConfigException("the management port cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (port in use? choose another with --management-port or " + SettingKeys.MANAGEMENT_PORT + ")", e);
        }
        if (!isLoopback(host)) {
            LOG.warn("the management port listens on {}, not on loopback: make sure only operators can reach it", host);
        }
        return new ManagementServer(server, connector, host);
    }

    private static SslContextFactory.Server tls(Settings settings, Pki pki) {
        Path p12 = pki.file(Pki.SERVER_KEYSTORE);
        char[] password = pki.password(Pki.SERVER_KEYSTORE);
        KeyStore ks;
        try (InputStream in = Files.newInputStream(p12)) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new ConfigException("cannot read " + p12 + ": " + e.getMessage(), e);
        }
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(ks);
        tls.setKeyStorePassword(new String(password));
        tls.setIncludeProtocols(settings.getList(SettingKeys.TLS_PROTOCOLS).toArray(String[]::new));
        tls.setIncludeCipherSuites(settings.getList(SettingKeys.TLS_CIPHER_SUITES).toArray(String[]::new));
        tls.setRenegotiationAllowed(false);
        return tls;
    }

    /**
     * Deploys Hawtio in the background: the platform is ready without waiting for it. Hawtio answers 404 until then;
     * {@code "Hawtio console ready at ..."} is logged when it can be used.
     */
    public void deployHawtio(Path war, Path workDir, String jolokiaPolicy, Sessions sessions, int sessionIdleSeconds) {
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                WebAppContext app = HawtioConsole.create(war, workDir, jolokiaPolicy, sessionIdleSeconds);
                app.setServer(server);
                app.start();
                if (!app.isAvailable()) {
                    throw new IllegalStateException("the web application did not start (see the log above)");
                }
                HawtioConsole.attachLogin(app, sessions);
                ((ContextHandlerCollection) server.getHandler()).addHandler(app);
                LOG.info("Hawtio console ready at https://{}:{}{}/ in {} ms (log in as a user of role admin)", host, port(),
                        HawtioConsole.CONTEXT_PATH, (System.nanoTime() - t0) / 1_000_000);
                hawtio.complete(true);
            } catch (Exception e) {
                LOG.error("the Hawtio console is not available: {}", e.toString());
                hawtio.complete(false);
            }
        }, "deviceguard-hawtio-deploy");
        t.setDaemon(true);
        deployer = t;
        t.start();
    }

    /** Records that no console is served, and why (logged once). */
    public void noHawtio(String why) {
        LOG.info("no Hawtio console: {}", why);
        hawtio.complete(false);
    }

    /** Waits for the console's deployment; true if it is served. */
    public boolean awaitHawtio(long timeout, TimeUnit unit) {
        try {
            return hawtio.get(timeout, unit);
        } catch (Exception e) {
            return false;
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String host() {
        return host;
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    @Override
    public void close() {
        Thread t = deployer;
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopQuietly(server);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("the management port did not stop cleanly: {}", e.getMessage());
        }
    }
}
