package io.deviceguard.api;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests that never reach a route: an unknown path (404), a method the path does not take (405), a body
 * over the limit (413, refused by Vert.x while reading, before anything parses it), or a fault in the HTTP layer.
 * They are API calls too: each gets a problem+json answer and an audit row.
 */
final class UnroutedRequests {

    private static final Logger LOG = LoggerFactory.getLogger(UnroutedRequests.class);

    private final ApiCallAudit audit;
    private final long maxBodyBytes;

    UnroutedRequests(ApiCallAudit audit, long maxBodyBytes) {
        this.audit = audit;
        this.maxBodyBytes = maxBodyBytes;
    }

    void install(Router router) {
        router.errorHandler(404, ctx -> answer(ctx, new ApiProblem(404, "not_found", "no admin API endpoint at "
                + Printable.of(ctx.request().path()))));
        router.errorHandler(405, ctx -> answer(ctx, new ApiProblem(405, "method_not_allowed", Printable.of(
                ctx.request().method().name()) + " is not allowed on " + Printable.of(ctx.request().path()), null,
                Map.of("Allow", allowed(ctx.request().path())))));
        router.errorHandler(413, ctx -> answer(ctx, new ApiProblem(413, "body_too_large", "the request body is larger"
                + " than " + maxBodyBytes + " bytes (deviceguard.api.maxBodyBytes)")));
        router.errorHandler(400, ctx -> answer(ctx, ApiProblem.badRequest("bad_request", "the HTTP request is malformed")));
        router.errorHandler(500, ctx -> {
            Throwable t = ctx.failure();
            LOG.error("admin API HTTP layer failed on {} {}: {}", ctx.request().method(), Printable.of(ctx.request().path()),
                    t == null ? "(no exception)" : t.getClass().getName());
            answer(ctx, new ApiProblem(500, "internal_error", "the request failed inside the platform"));
        });
    }

    private static String allowed(String path) {
        return Arrays.stream(ApiEndpoint.values())
                .filter(e -> e.matches(path))
                .map(ApiEndpoint::method).distinct().collect(Collectors.joining(", "));
    }

    /**
     * Vert.x ends the response itself as soon as an error handler returns, so the answer is written here and now; the
     * audit row, which waits for the database, follows on a worker thread (these requests changed nothing).
     */
    private void answer(RoutingContext ctx, ApiProblem p) {
        String requestId = UUID.randomUUID().toString();
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        String source = ctx.request().remoteAddress() == null ? "(unknown)" : ctx.request().remoteAddress().hostAddress();
        String action = ApiEndpoint.match(method, path).map(ApiEndpoint::action).orElse("unrouted");
        write(ctx.response(), p, requestId);
        LOG.info("api {} {} -> {} {} (request {})", Printable.of(method), Printable.of(path), p.status(), p.code(), requestId);
        ctx.vertx().executeBlocking(() -> {
            audit.recordUnrouted(action, method, path, source, requestId, p.status(), p.code());
            return null;
        }, false).onFailure(t -> LOG.error("admin API request {} not audited: {}", requestId, t.getMessage()));
    }

    private static void write(HttpServerResponse res, ApiProblem p, String requestId) {
        if (res.ended()) {
            return;
        }
        byte[] body = Json.write(ApiResponder.body(p, requestId)).getBytes(StandardCharsets.UTF_8);
        res.setStatusCode(p.status());
        p.headers().forEach(res::putHeader);
        res.putHeader("Content-Type", ApiResponder.PROBLEM_JSON);
        res.putHeader("X-Request-Id", requestId);
        res.putHeader("Cache-Control", "no-store");
        res.putHeader("X-Content-Type-Options", "nosniff");
        if (p.status() == 413) {
            // the rest of an oversize body is not read: close rather than leave the connection in an unknown state
            res.putHeader("Connection", "close");
        }
        res.end(io.vertx.core.buffer.Buffer.buffer(body));
    }
}
