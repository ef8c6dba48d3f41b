package io.deviceguard.api;

import io.deviceguard.device.DeviceLifecycle;
import io.deviceguard.device.DeviceStatus;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import java.util.Map;
import java.util.Set;

/** {@code /api/v1/devices/{id}/revoke|suspend|resume} and {@code /api/v1/crl}: taking devices off the network. */
final class LifecycleHandlers {

    private final DeviceLifecycle lifecycle;
    private final io.deviceguard.device.DeviceRegistry registry;
    private final Pki pki;

    LifecycleHandlers(DeviceLifecycle lifecycle, io.deviceguard.device.DeviceRegistry registry, Pki pki) {
        this.lifecycle = lifecycle;
        this.registry = registry;
        this.pki = pki;
    }

    /** Permanent; answers once the live session is closed and the CRL rewritten. */
    ApiResponse revoke(ApiRequest r) {
        String id = DeviceHandlers.deviceId(r.pathParam("id"), "the device ID in the path", null);
        String reason = r.json(Set.of("reason")).text("reason").strip();
        if (reason.isEmpty() || reason.length() > 256 || reason.chars().anyMatch(Character::isISOControl)) {
            throw ApiProblem.invalidField("reason", "field 'reason' must be 1-256 printable characters");
        }
        return answer(lifecycle.revoke(id, reason, r.session().username(), details(r)), id);
    }

    ApiResponse suspend(ApiRequest r) {
        String id = existing(r);
        return answer(lifecycle.suspend(id, r.session().username(), details(r)), id);
    }

    ApiResponse resume(ApiRequest r) {
        String id = existing(r);
        return answer(lifecycle.resume(id, r.session().username(), details(r)), id);
    }

    ApiResponse crl(ApiRequest r) {
        r.query(Set.of());
        java.nio.file.Path file = pki.file(Pki.CRL);
        String pem = java.nio.file.Files.isRegularFile(file) ? read(file) : Pem.encode(lifecycle.publishCrl());
        return ApiResponse.text("application/x-pem-file", pem, "crl");
    }

    private String existing(ApiRequest r) {
        String id = DeviceHandlers.deviceId(r.pathParam("id"), "the device ID in the path", null);
        var d = registry.find(id).orElseThrow(() -> new ApiProblem(404, "no_such_device", "no device '" + id + "'"));
        if (d.status() == DeviceStatus.REVOKED) {
            throw new ApiProblem(409, "device_revoked", "device '" + id + "' is revoked; revocation is permanent");
        }
        return id;
    }

    private static Map<String, Object> details(ApiRequest r) {
        return Map.of("requestId", r.requestId(), "via", "api");
    }

    private static ApiResponse answer(DeviceLifecycle.Change c, String id) {
        return ApiResponse.ok(new ApiViews.StatusChange(ApiViews.DeviceView.of(c.device()), c.sessionsClosed(),
                c.disconnectMicros() / 1000.0), id);
    }

    private static String read(java.nio.file.Path f) {
        try {
            return java.nio.file.Files.readString(f, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
