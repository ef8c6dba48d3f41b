package io.deviceguard.api;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.builder.RouteBuilder;

/**
 * One route per admin API endpoint ({@code api-users-create}, ...), each the same four steps: read the request,
 * guard it (authenticate, check the role), run the endpoint's handler, audit and answer. Failures at any step go to
 * {@link ApiErrorHandling}, which audits and answers them as problems. A route exists only for the endpoints of
 * {@link ApiEndpoint}; start-up fails if one has no handler.
 */
public final class AdminApiRoutes extends RouteBuilder {

    private final Map<ApiEndpoint, ApiHandler> handlers;
    private final ApiGuard guard;
    private final ApiResponder responder;

    AdminApiRoutes(Map<ApiEndpoint, ApiHandler> handlers, ApiGuard guard, ApiResponder responder) {
        this.handlers = new EnumMap<>(handlers);
        this.guard = guard;
        this.responder = responder;
    }

    @Override
    public void configure() {
        for (ApiEndpoint e : ApiEndpoint.values()) {
            ApiHandler handler = handlers.get(e);
            if (handler == null) {
                throw new IllegalStateException("admin API endpoint " + e + " has no handler");
            }
            from(AdminApiServer.COMPONENT + ":" + e.path() + "?httpMethodRestrict=" + e.method() + "&muteException=true")
                    .routeId(e.routeId())
                    .routeConfigurationId(ApiErrorHandling.ID)
                    .process(x -> ApiExchange.open(x, e)).id(e.routeId() + "-request")
                    .process(guard).id(e.routeId() + "-guard")
                    .process(x -> ApiExchange.setResponse(x, handle(e, handler, ApiExchange.request(x)))).id(e.routeId() + "-handler")
                    .process(responder::respond).id(e.routeId() + "-respond");
        }
    }

    /** Checks the body's presence and media type, then hands over to the endpoint's handler. */
    static ApiResponse handle(ApiEndpoint e, ApiHandler handler, ApiRequest r) {
        boolean hasBody = r.body() != null && r.body().length > 0;
        if (e.takesBody()) {
            if (!isJson(r.contentType())) {
                throw new ApiProblem(415, "unsupported_media_type", "the request body must be JSON sent as"
                        + " 'Content-Type: application/json' (got " + (r.contentType() == null ? "no Content-Type"
                        : "'" + Printable.of(r.contentType()) + "'") + ")");
            }
        } else if (hasBody) {
            throw ApiProblem.badRequest("unexpected_body", e.method() + " " + e.path() + " takes no request body");
        }
        return handler.handle(r);
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        if (!parts[0].trim().equals("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("charset=") && !p.equals("charset=utf-8") && !p.equals("charset=\"utf-8\"")) {
                return false;
            }
        }
        return true;
    }
}
