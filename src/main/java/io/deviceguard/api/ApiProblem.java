package io.deviceguard.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal or failure, answered as {@code application/problem+json} (RFC 9457). {@code code} is stable and names the
 * problem type ({@code urn:deviceguard:problem:CODE}) and the audit row's reason; {@code detail} says precisely what
 * was wrong with this request and never repeats a secret.
 */
public final class ApiProblem extends RuntimeException {

    private final int status;
    private final String code;
    private final String field;
    private final Map<String, String> headers;
    private Object errors;

    public ApiProblem(int status, String code, String detail) {
        this(status, code, detail, null, Map.of());
    }

    public ApiProblem(int status, String code, String detail, String field, Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.code = code;
        this.field = field;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public static ApiProblem badRequest(String code, String detail) {
        return new ApiProblem(400, code, detail);
    }

    /** A request field that is missing, of the wrong type, or not acceptable. */
    public static ApiProblem invalidField(String field, String detail) {
        return new ApiProblem(400, "invalid_field", detail, field, Map.of());
    }

    /** Adds the per-item errors of a request refused as a whole (the bad rows of an import). */
    public ApiProblem withErrors(Object errors) {
        this.errors = errors;
        return this;
    }

    public Object errors() {
        return errors;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String detail() {
        return getMessage();
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }

    /** Response headers the problem needs: WWW-Authenticate on 401, Retry-After on 429, Allow on 405. */
    public Map<String, String> headers() {
        return headers;
    }

    public String type() {
        return "urn:deviceguard:problem:" + code;
    }

    /** The HTTP reason phrase: the problem's title. */
    public String title() {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }
}
