package io.deviceguard.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The query string of a request, read strictly: an unknown or repeated parameter is a 400, not silently ignored. */
public final class QueryParams {

    private final Map<String, String> values;

    private QueryParams(Map<String, String> values) {
        this.values = values;
    }

    static QueryParams parse(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return new QueryParams(out);
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (out.containsKey(name)) {
                throw ApiProblem.badRequest("invalid_query", "query parameter '" + Printable.of(name) + "' is given twice");
            }
            out.put(name, value);
        }
        return new QueryParams(out);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("invalid_query", "the query string is not valid percent-encoding");
        }
    }

    /** Refuses any parameter outside {@code allowed}. */
    public QueryParams only(Set<String> allowed) {
        for (String name : values.keySet()) {
            if (!allowed.contains(name)) {
                throw ApiProblem.badRequest("invalid_query", "unknown query parameter '" + Printable.of(name) + "'"
                        + (allowed.isEmpty() ? ": this endpoint takes none" : " (accepted: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
            }
        }
        return this;
    }

    /** The value, or null when absent; an empty value is refused. */
    public String get(String name) {
        String v = values.get(name);
        if (v != null && v.isEmpty()) {
            throw ApiProblem.badRequest("invalid_query", "query parameter '" + name + "' is empty");
        }
        return v;
    }

    /** An integer in [min, max], or {@code absent} when not given. */
    public int intValue(String name, int min, int max, int absent) {
        String v = get(name);
        if (v == null) {
            return absent;
        }
        if (!v.matches("[0-9]{1,9}") || Integer.parseInt(v) < min || Integer.parseInt(v) > max) {
            throw ApiProblem.badRequest("invalid_query", "query parameter '" + name + "' must be a whole number from "
                    + min + " to " + max);
        }
        return Integer.parseInt(v);
    }
}
