package io.deviceguard.api;

import io.deviceguard.device.DeviceRegistry;
import io.deviceguard.user.AccountException;
import io.deviceguard.user.AuthenticationException;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Error handling of the admin API routes, named once. Refusals (bad input, no or wrong session, wrong role, refused
 * account changes, duplicates) become problem responses with their own status and reason. Anything else is a fault
 * of the platform: it must still answer the caller (a 500 problem), and it is logged and audited as a failure, never
 * swallowed. No redelivery: an API call is not retried behind the caller's back.
 */
public final class ApiErrorHandling extends RouteConfigurationBuilder {

    public static final String ID = "admin-api";

    private final ApiResponder responder;

    ApiErrorHandling(ApiResponder responder) {
        this.responder = responder;
    }

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(ApiProblem.class, AuthenticationException.class, AccountException.class,
                        DeviceRegistry.DuplicateDeviceException.class)
                .handled(true)
                .process(responder::fail)
                .end()
                .onException(Exception.class)
                .handled(true)
                .process(responder::fail)
                .end();
    }
}
