package io.deviceguard.api;

import java.util.Locale;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Which headers cross between HTTP and the Camel message. Out: only the response headers the API sets on purpose
 * (Content-Type travels separately), so nothing from a request (its Authorization header above all) or from a route
 * can ever be echoed to the caller. In: every request header except those a client could use to steer Camel
 * ({@code Camel*}, {@code org.apache.camel.*}).
 */
final class ApiHeaderFilter implements HeaderFilterStrategy {

    private static final Set<String> OUT = Set.of("x-request-id", "cache-control", "x-content-type-options", "location",
            "retry-after", "www-authenticate", "allow");

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return !OUT.contains(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.startsWith("camel") || n.startsWith("org.apache.camel");
    }
}
