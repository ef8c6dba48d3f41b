package io.deviceguard.api;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.pki.Pki;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's HTTPS listener: Vert.x, serving the Camel platform-http routes of {@link AdminApiRoutes} through a
 * component of its own, {@value #COMPONENT}.
 * <p>
 * Why not camel-main's own platform-http server ({@code camel.server.*}): it takes TLS from Camel's
 * SSLContextParameters through {@code VertxHelper.setupSSLOptions}, which hands Vert.x the key but neither the enabled
 * protocols nor the cipher suites, so "TLS 1.3 and 1.2 only, AEAD suites only" could not be enforced there. Here the
 * listener is built with exactly the PKI's server certificate ({@code certs/server.p12}) and the protocols and suites
 * of {@code deviceguard.tls.*}, the same as the MQTT acceptor. There is no plain-HTTP port: a plain request on this
 * one fails the TLS handshake. It binds to loopback unless {@code deviceguard.api.host} says otherwise, and reads at
 * most {@code deviceguard.api.maxBodyBytes} of a request body.
 */
public final class AdminApiServer implements AutoCloseable {

    /** The Camel component (a platform-http component on this listener) the admin routes consume from. */
    public static final String COMPONENT = "admin-api";

    private static final Logger LOG = LoggerFactory.getLogger(AdminApiServer.class);

    private final Vertx vertx;
    private final HttpServer server;
    private final VertxPlatformHttpRouter platformRouter;
    private final PlatformHttpComponent component;
    private final String host;

    private AdminApiServer(Vertx vertx, HttpServer server, VertxPlatformHttpRouter platformRouter,
                           PlatformHttpComponent component, String host) {
        this.vertx = vertx;
        this.server = server;
        this.platformRouter = platformRouter;
        this.component = component;
        this.host = host;
    }

    static AdminApiServer start(Settings settings, Pki pki, UnroutedRequests unrouted) {
        String host = settings.get(SettingKeys.API_HOST);
        int port = settings.getInt(SettingKeys.API_PORT);
        long maxBody = settings.getInt(SettingKeys.API_MAX_BODY_BYTES);
        long maxImport = settings.getInt(SettingKeys.API_MAX_IMPORT_BYTES);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(8));
        try {
            Router router = Router.router(vertx);
            unrouted.install(router);
            HttpServer server = vertx.createHttpServer(options(settings, pki))
                    .requestHandler(router)
                    // a client speaking plain HTTP or an old TLS: the message may hold a hex dump of what it sent
                    // (a bearer token sent in the clear), so only the exception type is logged
                    .exceptionHandler(t -> LOG.info("admin API connection refused: {}", t.getClass().getSimpleName()));
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
            VertxPlatformHttpRouter platformRouter = new VertxPlatformHttpRouter(null, vertx, router,
                    VertxPlatformHttpRouter.getRouterNameFromPort(port)) {
                @Override
                public Handler<RoutingContext> bodyHandler() {
                    BodyHandler limit = BodyHandler.create(false).setBodyLimit(maxBody);
                    // a manufacturing manifest is one all-or-nothing request, far larger than any other body
                    BodyHandler importLimit = BodyHandler.create(false).setBodyLimit(Math.max(maxBody, maxImport));
                    return ctx -> {
                        ctx.request().resume();
                        (ApiEndpoint.DEVICES_IMPORT.path().equals(ctx.normalizedPath()) ? importLimit : limit).handle(ctx);
                    };
                }
            };
            PlatformHttpComponent component = new PlatformHttpComponent();
            component.setEngine(new AdminHttpEngine(port));
            component.setHeaderFilterStrategy(new ApiHeaderFilter());
            if (!isLoopback(host)) {
                LOG.warn("the admin API listens on {}, not on loopback: make sure only operators can reach it", host);
            }
            return new AdminApiServer(vertx, server, platformRouter, component, host);
        } catch (ExecutionException e) {
            closeQuietly(vertx);
            throw new ConfigException("the admin API cannot listen on " + host + ":" + port + ": "
                    + e.getCause().getMessage() + " (port in use? choose another with --admin-port or "
                    + SettingKeys.API_PORT + ")", e);
        } catch (TimeoutException e) {
            closeQuietly(vertx);
            throw new ConfigException("the admin API did not start listening on " + host + ":" + port + " within 15 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(vertx);
            throw new ConfigException("interrupted while starting the admin API", e);
        } catch (RuntimeException e) {
            closeQuietly(vertx);
            throw e;
        }
    }

    private static HttpServerOptions options(Settings settings, Pki pki) {
        byte[] p12;
        try {
            p12 = Files.readAllBytes(pki.file(Pki.SERVER_KEYSTORE));
        } catch (IOException e) {
            throw new ConfigException("cannot read " + pki.file(Pki.SERVER_KEYSTORE) + ": " + e.getMessage(), e);
        }
        HttpServerOptions o = new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(new PfxOptions().setValue(Buffer.buffer(p12))
                        .setPassword(new String(pki.password(Pki.SERVER_KEYSTORE))))
                .setEnabledSecureTransportProtocols(new LinkedHashSet<>(settings.getList(SettingKeys.TLS_PROTOCOLS)))
                .setSslHandshakeTimeout(settings.getInt(SettingKeys.TLS_HANDSHAKE_TIMEOUT))
                .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
                .setUseAlpn(false)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(4096)
                .setMaxHeaderSize(8192)
                .setCompressionSupported(false)
                .setDecompressionSupported(false);
        settings.getList(SettingKeys.TLS_CIPHER_SUITES).forEach(o::addEnabledCipherSuite);
        return o;
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** Makes the listener and its component known to Camel; called before the routes start. */
    void bindTo(Main camel) {
        camel.bind(COMPONENT, component);
        camel.bind(platformRouter.getName(), platformRouter);
    }

    public int port() {
        return server.actualPort();
    }

    public String host() {
        return host;
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("admin API listener did not close cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(vertx);
        }
    }

    private static void closeQuietly(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Vert.x did not stop cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
