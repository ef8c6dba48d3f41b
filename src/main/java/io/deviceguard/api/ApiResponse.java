package io.deviceguard.api;

import io.deviceguard.user.Session;
import java.util.Map;

/**
 * What a handler answers: the status, the JSON body (null for none), the audit target of the call, the response
 * headers it needs beyond the usual ones, and for a login the session it opened (whose user the call's audit row
 * then names).
 */
public record ApiResponse(int status, Object body, String target, Map<String, String> headers, Session opened) {

    public static ApiResponse ok(Object body, String target) {
        return new ApiResponse(200, body, target, Map.of(), null);
    }

    public static ApiResponse created(Object body, String target, String location) {
        return new ApiResponse(201, body, target, Map.of("Location", location), null);
    }

    public static ApiResponse noContent(String target) {
        return new ApiResponse(204, null, target, Map.of(), null);
    }

    /** A body that is not JSON (the CRL's PEM), written as is with its media type. */
    public record Text(String contentType, String text) {
    }

    public static ApiResponse text(String contentType, String text, String target) {
        return new ApiResponse(200, new Text(contentType, text), target, Map.of(), null);
    }

    public ApiResponse opening(Session session) {
        return new ApiResponse(status, body, target, headers, session);
    }
}
