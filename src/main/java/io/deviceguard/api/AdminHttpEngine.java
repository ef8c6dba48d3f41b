package io.deviceguard.api;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The platform-http engine of the admin API's own component. Vert.x's engine finds its router by asking the Camel
 * registry for "the" HTTP server; this one names the admin API's port instead, and does not register itself as the
 * context's default engine, so that another platform-http server (a management port) cannot pick it up or be mixed
 * up with it.
 */
final class AdminHttpEngine extends VertxPlatformHttpEngine {

    private final int port;

    AdminHttpEngine(int port) {
        this.port = port;
    }

    @Override
    protected void doInit() {
        // deliberately not bound as "platformHttpEngine": see the class comment
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
