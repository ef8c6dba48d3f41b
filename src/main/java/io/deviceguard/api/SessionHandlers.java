package io.deviceguard.api;

import io.deviceguard.user.Sessions;
import io.deviceguard.user.Username;
import java.util.Set;

/** {@code POST /api/v1/login} and {@code POST /api/v1/logout}. */
final class SessionHandlers {

    /** Longer than any acceptable password, short enough that hashing it costs nothing extra. */
    private static final int MAX_PASSWORD_CHARS = 1024;

    private final Sessions sessions;

    SessionHandlers(Sessions sessions) {
        this.sessions = sessions;
    }

    ApiResponse login(ApiRequest r) {
        RequestBody body = r.json(Set.of("username", "password"));
        String username = body.text("username");
        String password = body.text("password");
        if (!Username.isValid(username)) {
            throw ApiProblem.invalidField("username", "field 'username' is not a valid username: " + Username.RULE);
        }
        if (password.isEmpty() || password.length() > MAX_PASSWORD_CHARS) {
            throw ApiProblem.invalidField("password", "field 'password' must have 1 to " + MAX_PASSWORD_CHARS + " characters");
        }
        Sessions.Login login = sessions.login(username, password.toCharArray(), r.source(), r.requestId());
        return ApiResponse.ok(new ApiViews.LoginView(login.token(), "Bearer", login.session().username(),
                login.session().role().label(), login.session().id(), login.session().expiresAt().toString(),
                login.session().idleTimeout().toSeconds()), Username.target(login.session().username()))
                .opening(login.session());
    }

    ApiResponse logout(ApiRequest r) {
        sessions.logout(ApiGuard.bearerToken(r.bearer()), r.session(), r.actor());
        return ApiResponse.noContent(Username.target(r.session().username()));
    }
}
