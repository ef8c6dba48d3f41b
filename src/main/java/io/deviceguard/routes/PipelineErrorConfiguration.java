package io.deviceguard.routes;

import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Error handling of the device pipeline. A refused message (unknown or inactive device) is audited with its reason,
 * a non-conforming one is quarantined and audited; either stops there: nothing downstream sees it. A message the
 * broker delivers again after it was handled (its acknowledgement lost in a crash) is audited and acknowledged. When the
 * database cannot be reached, the message is left unacknowledged and the pipeline pauses ({@link StoreOutageGuard}). Any other failure is retried twice, then goes to the audited {@code route-failure} step
 * with the original message, so a failure is never silent and never stops the next message.
 */
public final class PipelineErrorConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "device-pipeline";

    @Override
    public void configuration() {
        // every other route (the user's YAML sinks among them): a failure is retried, then audited by route-failure;
        // a database outage propagates to the device pipeline, which pauses, instead of being swallowed here
        routeConfiguration()
                .errorHandler(deadLetterChannel("direct:route-failure")
                        .useOriginalMessage()
                        .maximumRedeliveries(2)
                        .redeliveryDelay(100))
                .onException(io.deviceguard.store.StoreUnavailableException.class,
                        org.springframework.dao.DataAccessResourceFailureException.class)
                .handled(false)
                .bean("storeOutageGuard", "outage");

        routeConfiguration(ID)
                .errorHandler(deadLetterChannel("direct:route-failure")
                        .useOriginalMessage()
                        .maximumRedeliveries(2)
                        .redeliveryDelay(100))
                .onException(DeviceMessageRefusedException.class)
                .handled(true)
                .to("direct:message-refused")
                .end()
                .onException(io.deviceguard.integrity.IntegrityViolation.class)
                .handled(true)
                .to("direct:integrity-rejected")
                .end()
                // the broker delivered again a message handled before a crash: acknowledge it, do not handle it twice
                .onException(io.deviceguard.integrity.DuplicateDelivery.class)
                .handled(true)
                .to("direct:duplicate-delivery")
                .end()
                // the database is away: not a bad message, so nothing is refused or acknowledged; the pipeline pauses
                .onException(io.deviceguard.store.StoreUnavailableException.class,
                        org.springframework.dao.DataAccessResourceFailureException.class)
                .handled(false)
                .bean("storeOutageGuard", "outage");
    }
}
