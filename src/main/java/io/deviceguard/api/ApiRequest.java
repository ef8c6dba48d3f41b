package io.deviceguard.api;

import io.deviceguard.user.Actor;
import io.deviceguard.user.Session;
import java.util.Map;
import java.util.Set;

/**
 * One admin API call as the handlers see it. {@code session} is null until the guard has authenticated the caller
 * (and stays null for login). The bearer token and the body are kept out of {@link #toString()}: a request logged by
 * mistake must not leak them.
 */
public record ApiRequest(ApiEndpoint endpoint, String requestId, String source, String method, String path,
                         Map<String, String> pathParams, String rawQuery, byte[] body, String contentType,
                         String bearer, Session session) {

    public ApiRequest withSession(Session s) {
        return new ApiRequest(endpoint, requestId, source, method, path, pathParams, rawQuery, body, contentType, bearer, s);
    }

    /** The JSON object body, with only the {@code allowed} fields. */
    public RequestBody json(Set<String> allowed) {
        return RequestBody.parse(body, allowed);
    }

    /** The query parameters, with only the {@code allowed} names. */
    public QueryParams query(Set<String> allowed) {
        return QueryParams.parse(rawQuery).only(allowed);
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** Who makes this call, for the rows of account and session changes it causes. */
    public Actor actor() {
        return session == null ? Actor.anonymous(source, requestId) : Actor.user(session, source, requestId);
    }

    @Override
    public String toString() {
        return "ApiRequest[" + method + " " + path + ", requestId=" + requestId + ", source=" + source
                + (session == null ? "" : ", user=" + session.username()) + "]";
    }
}
