package io.deviceguard.api;

import io.deviceguard.device.DeviceId;
import io.deviceguard.user.AccountException;
import io.deviceguard.user.Accounts;
import io.deviceguard.user.Role;
import io.deviceguard.user.UserAccount;
import io.deviceguard.user.Username;
import java.util.Set;

/** {@code /api/v1/users}: accounts and roles (admin only). */
final class UserHandlers {

    private final Accounts accounts;

    UserHandlers(Accounts accounts) {
        this.accounts = accounts;
    }

    ApiResponse list(ApiRequest r) {
        r.query(Set.of());
        var users = accounts.list().stream().map(ApiViews.UserView::of).toList();
        return ApiResponse.ok(new ApiViews.UserList(users, users.size()), null);
    }

    ApiResponse create(ApiRequest r) {
        RequestBody body = r.json(Set.of("username", "role", "password"));
        String username = username(body.text("username"), "field 'username'");
        Role role = role(body.text("role"));
        String password = body.text("password");
        UserAccount a = accounts.create(username, role, password.toCharArray(), r.actor());
        return ApiResponse.created(ApiViews.UserView.of(a), Username.target(username), "/api/v1/users/" + username);
    }

    ApiResponse show(ApiRequest r) {
        r.query(Set.of());
        String username = pathUser(r);
        UserAccount a = accounts.find(username).orElseThrow(() ->
                new AccountException(AccountException.Reason.NO_SUCH_USER, "no user '" + username + "'"));
        return ApiResponse.ok(ApiViews.UserView.of(a), Username.target(username));
    }

    ApiResponse disable(ApiRequest r) {
        String username = pathUser(r);
        return ApiResponse.ok(ApiViews.UserView.of(accounts.disable(username, r.actor())), Username.target(username));
    }

    ApiResponse enable(ApiRequest r) {
        String username = pathUser(r);
        return ApiResponse.ok(ApiViews.UserView.of(accounts.enable(username, r.actor())), Username.target(username));
    }

    ApiResponse unlock(ApiRequest r) {
        String username = pathUser(r);
        return ApiResponse.ok(ApiViews.UserView.of(accounts.unlock(username, r.actor())), Username.target(username));
    }

    ApiResponse role(ApiRequest r) {
        String username = pathUser(r);
        Role role = role(r.json(Set.of("role")).text("role"));
        return ApiResponse.ok(ApiViews.UserView.of(accounts.changeRole(username, role, r.actor())), Username.target(username));
    }

    private static String pathUser(ApiRequest r) {
        return username(r.pathParam("username"), "the username in the path");
    }

    private static String username(String value, String where) {
        if (!Username.isValid(value)) {
            throw ApiProblem.invalidField(where.startsWith("field") ? "username" : null,
                    where + " is not a valid username ('" + DeviceId.printable(value) + "'): " + Username.RULE);
        }
        return value;
    }

    private static Role role(String value) {
        return Role.parse(value).orElseThrow(() -> ApiProblem.invalidField("role",
                "field 'role' must be one of " + Role.choices() + " (got '" + Printable.of(value) + "')"));
    }
}
