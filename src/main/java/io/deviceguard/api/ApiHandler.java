package io.deviceguard.api;

/** The work of one endpoint, once the caller is authenticated and admitted. Refusals are thrown as {@link ApiProblem}. */
@FunctionalInterface
public interface ApiHandler {
    ApiResponse handle(ApiRequest request);
}
