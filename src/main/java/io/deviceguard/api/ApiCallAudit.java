package io.deviceguard.api;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;

/**
 * The row every admin API call leaves, allowed or denied, before its answer is sent: category {@code api}, the
 * endpoint's action, the user (or {@code (anonymous)}) and role, the target, the outcome (success; denied for a 4xx;
 * failure for a 5xx), the HTTP status, the reason code of a refusal, the source address and the request ID. It never
 * holds the request body, the token or the problem detail (which may quote what the caller sent).
 */
public final class ApiCallAudit {

    private final AuditLog audit;

    public ApiCallAudit(AuditLog audit) {
        this.audit = audit;
    }

    void record(ApiRequest r, int status, String target, String reason) {
        String user = r.session() == null ? "(anonymous)" : r.session().username();
        String role = r.session() == null ? null : r.session().role().label();
        write(r.endpoint() == null ? "unrouted" : r.endpoint().action(), user, role, r.method(), r.path(),
                r.source(), r.requestId(), status, target, reason, r.session() == null ? null : r.session().id());
    }

    /** A request no route took: unknown path, wrong method, body too large. */
    void recordUnrouted(String action, String method, String path, String source, String requestId, int status,
                        String reason) {
        write(action, "(anonymous)", null, method, path, source, requestId, status, null, reason, null);
    }

    private void write(String action, String user, String role, String method, String path, String source,
                       String requestId, int status, String target, String reason, String session) {
        AuditEvent.Builder b = AuditEvent.of(AuditCategory.API, action)
                .actor(AuditEvent.ActorType.USER, user)
                // a call on a collection or with no single subject still names what it touched: its path
                .target(target != null ? target : path)
                .detail("role", role)
                .detail("method", method)
                .detail("path", path)
                .detail("status", status)
                .detail("reason", reason)
                .detail("source", source)
                .detail("requestId", requestId)
                .detail("session", session);
        if (status >= 500) {
            b.failed();
        } else if (status >= 400) {
            b.denied();
        }
        audit.recordAndWait(b.build());
    }
}
