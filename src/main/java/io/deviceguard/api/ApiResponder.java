package io.deviceguard.api;

import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.routes.Redaction;
import io.deviceguard.user.AccountException;
import io.deviceguard.user.AuthenticationException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of every admin API route: audits the call, then writes the answer. A handler's result becomes a JSON
 * response; any exception becomes an RFC 9457 problem: ours ({@link ApiProblem}) as they are, refused logins,
 * tokens and account changes with their precise reason, and anything unexpected as a 500 whose detail only gives the
 * request ID (the log has the rest).
 */
final class ApiResponder {

    private static final Logger LOG = LoggerFactory.getLogger(ApiResponder.class);
    static final String JSON = "application/json";
    static final String PROBLEM_JSON = "application/problem+json";
    static final String BEARER_CHALLENGE = "Bearer realm=\"deviceguard\"";

    private final ApiCallAudit audit;

    ApiResponder(ApiCallAudit audit) {
        this.audit = audit;
    }

    /** The {@code api-respond} step. */
    void respond(Exchange exchange) {
        ApiResponse res = ApiExchange.response(exchange);
        ApiRequest r = res.opened() == null ? ApiExchange.request(exchange) : ApiExchange.request(exchange).withSession(res.opened());
        audit.record(r, res.status(), res.target(), null);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        standardHeaders(m, r.requestId());
        res.headers().forEach(m::setHeader);
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, res.status());
        if (res.body() instanceof ApiResponse.Text t) {
            m.setHeader(Exchange.CONTENT_TYPE, t.contentType());
            m.setBody(t.text().getBytes(StandardCharsets.UTF_8));
        } else if (res.body() != null) {
            m.setHeader(Exchange.CONTENT_TYPE, JSON);
            m.setBody(io.deviceguard.api.Json.write(res.body()).getBytes(StandardCharsets.UTF_8));
        } else {
            m.setBody(null);
        }
        LOG.info("api {} {} -> {} (user {}, request {})", r.method(), r.path(), res.status(),
                r.session() == null ? "-" : r.session().username(), r.requestId());
    }

    /** The error handler's step: the exception caught becomes a problem response. */
    void fail(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiRequest r = ApiExchange.request(exchange);
        String requestId = r == null ? java.util.UUID.randomUUID().toString() : r.requestId();
        ApiProblem p = problem(t, requestId);
        if (r != null) {
            audit.record(r, p.status(), target(r), p.code());
        } else {
            // failed before the request was read: still a call, still a row
            audit.recordUnrouted("unreadable", "?", "?", "(unknown)", requestId, p.status(), p.code());
        }
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        writeProblem(m, p, requestId);
        if (r != null) {
            LOG.info("api {} {} -> {} {} (user {}, request {})", r.method(), r.path(), p.status(), p.code(),
                    r.session() == null ? "-" : r.session().username(), requestId);
        }
    }

    static void writeProblem(Message m, ApiProblem p, String requestId) {
        standardHeaders(m, requestId);
        p.headers().forEach(m::setHeader);
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, p.status());
        m.setHeader(Exchange.CONTENT_TYPE, PROBLEM_JSON);
        m.setBody(io.deviceguard.api.Json.write(body(p, requestId)).getBytes(StandardCharsets.UTF_8));
    }

    static ApiViews.Problem body(ApiProblem p, String requestId) {
        return new ApiViews.Problem(p.type(), p.title(), p.status(), p.detail(), "urn:uuid:" + requestId, requestId,
                p.code(), p.field(), p.errors());
    }

    static void standardHeaders(Message m, String requestId) {
        m.setHeader("X-Request-Id", requestId);
        m.setHeader("Cache-Control", "no-store");
        m.setHeader("X-Content-Type-Options", "nosniff");
    }

    /** The target of a refused call: what the path names, when it names something. */
    private static String target(ApiRequest r) {
        if (r.pathParam("username") != null) {
            return "user:" + Printable.of(r.pathParam("username"));
        }
        return r.pathParam("id") == null ? null : Printable.of(r.pathParam("id"));
    }

    static ApiProblem problem(Throwable t, String requestId) {
        if (t instanceof ApiProblem p) {
            return p;
        }
        if (t instanceof AuthenticationException a) {
            return authentication(a);
        }
        if (t instanceof AccountException a) {
            return switch (a.reason()) {
                case INVALID_USERNAME -> new ApiProblem(400, "invalid_username", a.getMessage());
                case WEAK_PASSWORD -> new ApiProblem(400, "weak_password", a.getMessage(), "password", Map.of());
                case DUPLICATE -> new ApiProblem(409, "duplicate_user", a.getMessage());
                case NO_SUCH_USER -> new ApiProblem(404, "no_such_user", a.getMessage());
                case LAST_ADMIN -> new ApiProblem(409, "last_admin", a.getMessage());
            };
        }
        if (t instanceof DeviceRegistry.DuplicateDeviceException d) {
            return new ApiProblem(409, "duplicate_device", d.getMessage());
        }
        if (t instanceof io.deviceguard.device.DeviceLifecycle.NoSuchDeviceException d) {
            return new ApiProblem(404, "no_such_device", d.getMessage());
        }
        LOG.error("api request {} failed: {}: {}", requestId, t == null ? "?" : t.getClass().getName(),
                t == null ? "" : Redaction.redact(t.getMessage()));
        LOG.debug("api request {} failure", requestId, t);
        return new ApiProblem(500, "internal_error", "the request failed inside the platform; the log names request "
                + requestId);
    }

    private static ApiProblem authentication(AuthenticationException a) {
        String code = a.reason().code();
        return switch (a.reason()) {
            case ACCOUNT_LOCKED -> new ApiProblem(429, code, a.getMessage(), null, Map.of("Retry-After",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(a.lockedUntil().atOffset(ZoneOffset.UTC))));
            case MISSING_TOKEN -> new ApiProblem(401, code, a.getMessage(), null, Map.of("WWW-Authenticate", BEARER_CHALLENGE));
            case BAD_CREDENTIALS, ACCOUNT_DISABLED -> new ApiProblem(401, code, a.getMessage(), null,
                    Map.of("WWW-Authenticate", BEARER_CHALLENGE));
            default -> new ApiProblem(401, code, a.getMessage(), null,
                    Map.of("WWW-Authenticate", BEARER_CHALLENGE + ", error=\"invalid_token\""));
        };
    }
}
