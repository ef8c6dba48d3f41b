package io.deviceguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Deny by default: every endpoint but login names the roles it admits. */
class ApiEndpointTest {

    @Test
    void onlyLoginIsOpenAndEveryOtherEndpointNamesItsRoles() {
        assertThat(Arrays.stream(ApiEndpoint.values()).filter(ApiEndpoint::open)).containsExactly(ApiEndpoint.LOGIN);
        assertThat(ApiEndpoint.LOGIN.roles()).isEmpty();
        for (ApiEndpoint e : ApiEndpoint.values()) {
            if (!e.open()) {
                assertThat(e.roles()).as(e.name()).isNotEmpty();
            }
            assertThat(e.path()).startsWith("/api/v1/");
        }
    }

    @Test
    void requestLinesMapToTheirEndpoint() {
        assertThat(ApiEndpoint.match("POST", "/api/v1/users/alice/disable")).contains(ApiEndpoint.USERS_DISABLE);
        assertThat(ApiEndpoint.match("GET", "/api/v1/devices/dev-1")).contains(ApiEndpoint.DEVICES_SHOW);
        assertThat(ApiEndpoint.match("DELETE", "/api/v1/devices/dev-1")).isEmpty();
        assertThat(ApiEndpoint.match("GET", "/api/v1/devices/a/b")).isEmpty();
        assertThat(ApiEndpoint.knownPath("/api/v1/users")).isTrue();
        assertThat(ApiEndpoint.knownPath("/api/v2/users")).isFalse();
    }
}
