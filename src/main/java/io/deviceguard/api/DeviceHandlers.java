package io.deviceguard.api;

import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.DeviceRegistry;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/** {@code /api/v1/devices}: the registry (admin, operator). */
final class DeviceHandlers {

    private final DeviceRegistry registry;
    private final DeviceEnrollment enrollment;
    private final Duration validity;

    DeviceHandlers(DeviceRegistry registry, DeviceEnrollment enrollment, Duration validity) {
        this.registry = registry;
        this.enrollment = enrollment;
        this.validity = validity;
    }

    ApiResponse list(ApiRequest r) {
        int limit = r.query(Set.of("limit")).intValue("limit", 1, 10_000, 1_000);
        var devices = registry.list(limit).stream().map(ApiViews.DeviceView::of).toList();
        return ApiResponse.ok(new ApiViews.DeviceList(devices, devices.size()), null);
    }

    /** Makes the key on this host and hands it over once, in the response; nothing of it stays on the server's disk. */
    ApiResponse create(ApiRequest r) {
        String id = deviceId(r.json(Set.of("id")).text("id"), "field 'id'", "id");
        DeviceEnrollment.Issued issued = enrollment.issueWithHostKey(id, validity, r.session().username(),
                Map.of("requestId", r.requestId(), "via", "api"));
        ApiViews.DeviceFiles files = new ApiViews.DeviceFiles(issued.keyPem(), issued.chainPem(),
                Base64.getEncoder().encodeToString(issued.pkcs12()), issued.pkcs12Password(), issued.caPem(),
                issued.commandCertPem());
        return ApiResponse.created(new ApiViews.CreatedDevice(ApiViews.DeviceView.of(issued.device()), files), id,
                "/api/v1/devices/" + id);
    }

    ApiResponse show(ApiRequest r) {
        r.query(Set.of());
        String id = deviceId(r.pathParam("id"), "the device ID in the path", null);
        Device d = registry.find(id).orElseThrow(() -> new ApiProblem(404, "no_such_device", "no device '" + id + "'"));
        return ApiResponse.ok(ApiViews.DeviceView.of(d), id);
    }

    static String deviceId(String value, String where, String field) {
        if (!DeviceId.isValid(value)) {
            throw ApiProblem.invalidField(field, where + " is not a valid device ID ('" + Printable.of(value)
                    + "'): 1-64 characters, letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return value;
    }
}
