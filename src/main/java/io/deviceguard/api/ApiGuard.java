package io.deviceguard.api;

import io.deviceguard.user.AuthenticationException;
import io.deviceguard.user.Session;
import io.deviceguard.user.Sessions;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The {@code api-guard} step: authenticates the bearer token and checks the caller's role against the endpoint's list,
 * before any handler runs. The session is put on the request even when the role is refused, so that the 403's audit
 * row names who tried.
 */
final class ApiGuard implements Processor {

    private final Sessions sessions;

    ApiGuard(Sessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public void process(Exchange exchange) {
        ApiRequest r = ApiExchange.request(exchange);
        if (r.endpoint().open()) {
            return;
        }
        Session s = sessions.authenticate(bearerToken(r.bearer()), r.source(), r.requestId());
        ApiExchange.setRequest(exchange, r.withSession(s));
        if (!r.endpoint().admits(s.role())) {
            throw new ApiProblem(403, "forbidden_role", "role '" + s.role().label() + "' may not call "
                    + r.endpoint().method() + " " + r.endpoint().path() + " (allowed: " + r.endpoint().rolesText() + ")");
        }
    }

    /** The token of an {@code Authorization: Bearer TOKEN} header; null when there is no header. */
    static String bearerToken(String header) {
        if (header == null) {
            return null;
        }
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            throw new AuthenticationException(AuthenticationException.Reason.MALFORMED_TOKEN,
                    "the Authorization header must be 'Bearer <token>'");
        }
        return header.substring(space + 1).trim();
    }
}
