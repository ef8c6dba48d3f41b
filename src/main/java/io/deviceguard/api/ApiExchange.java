package io.deviceguard.api;

import io.vertx.core.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;

/**
 * How an admin API call travels through its route: the {@link ApiRequest} and the handler's {@link ApiResponse} are
 * exchange properties. The request's HTTP headers are read here once and then dropped from the message, so that
 * none of them (the Authorization header above all) can be echoed into the response.
 */
final class ApiExchange {

    static final String REQUEST = "DeviceGuardApiRequest";
    static final String RESPONSE = "DeviceGuardApiResponse";
    private static final Pattern PARAM = Pattern.compile("\\{([a-z]+)}");

    private ApiExchange() {
    }

    /** The {@code api-request} step: builds the request of {@code endpoint} from the HTTP message. */
    static void open(Exchange exchange, ApiEndpoint endpoint) {
        Message m = exchange.getMessage();
        Map<String, String> params = new LinkedHashMap<>();
        Matcher p = PARAM.matcher(endpoint.path());
        while (p.find()) {
            params.put(p.group(1), m.getHeader(p.group(1), String.class));
        }
        Object authorization = m.getHeader("Authorization");
        String bearer = authorization instanceof List<?> l ? "(repeated)" : (String) authorization;
        ApiRequest r = new ApiRequest(endpoint, UUID.randomUUID().toString(), source(m),
                m.getHeader(Exchange.HTTP_METHOD, String.class), m.getHeader(Exchange.HTTP_PATH, String.class),
                params, m.getHeader(Exchange.HTTP_RAW_QUERY, String.class), m.getBody(byte[].class),
                m.getHeader(Exchange.CONTENT_TYPE, String.class), bearer, null);
        m.removeHeaders("*");
        m.setBody(null);
        setRequest(exchange, r);
    }

    static String source(Message m) {
        Object a = m.getHeader(VertxPlatformHttpConstants.REMOTE_ADDRESS);
        return a instanceof SocketAddress s ? s.hostAddress() : "(unknown)";
    }

    static ApiRequest request(Exchange exchange) {
        return exchange.getProperty(REQUEST, ApiRequest.class);
    }

    static void setRequest(Exchange exchange, ApiRequest r) {
        exchange.setProperty(REQUEST, r);
    }

    static ApiResponse response(Exchange exchange) {
        return exchange.getProperty(RESPONSE, ApiResponse.class);
    }

    static void setResponse(Exchange exchange, ApiResponse r) {
        exchange.setProperty(RESPONSE, r);
    }
}
