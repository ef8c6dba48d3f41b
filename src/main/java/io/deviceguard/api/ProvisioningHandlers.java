package io.deviceguard.api;

import io.deviceguard.device.DeviceImport;
import io.deviceguard.device.FieldEnrollment;
import io.deviceguard.device.Manifest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code POST /api/v1/devices/import} (manufacturing, admin) and {@code POST /api/v1/enrollments} (field, operator). */
final class ProvisioningHandlers {

    private final DeviceImport importer;
    private final FieldEnrollment enrollment;
    private final Duration validity;
    private final long maxTtlMinutes;

    ProvisioningHandlers(DeviceImport importer, FieldEnrollment enrollment, Duration validity, long maxTtlMinutes) {
        this.importer = importer;
        this.enrollment = enrollment;
        this.validity = validity;
        this.maxTtlMinutes = maxTtlMinutes;
    }

    /** Body {@code {"manifest": "CSV text"}}; all rows registered, or none and a 422 listing every bad row. */
    ApiResponse importDevices(ApiRequest r) {
        String csv = r.json(Set.of("manifest")).text("manifest");
        Map<String, Object> details = Map.of("requestId", r.requestId(), "via", "api");
        List<Manifest.Row> rows;
        try {
            rows = Manifest.parse(csv);
            DeviceImport.Result result = importer.run(rows, validity, r.session().username(), details);
            List<ApiViews.ImportedDevice> devices = result.devices().stream().map(d -> new ApiViews.ImportedDevice(
                    d.line(), d.deviceId(), d.created(), d.fingerprint(), d.chainPem())).toList();
            return ApiResponse.ok(new ApiViews.ImportResult(result.created(), result.unchanged(), result.millis(), devices),
                    "manifest");
        } catch (DeviceImport.Rejected e) {
            importer.auditRejected(e, -1, r.session().username(), details);
            throw new ApiProblem(422, "import_rejected", e.errors().size() + " bad row(s); nothing was imported")
                    .withErrors(e.errors());
        }
    }

    /** Body {@code {"deviceId": ID, "ttlSeconds": N}}; answers the claim bundle, shown this once. */
    ApiResponse createEnrollment(ApiRequest r) {
        RequestBody body = r.json(Set.of("deviceId", "ttlSeconds"));
        String id = DeviceHandlers.deviceId(body.text("deviceId"), "field 'deviceId'", "deviceId");
        long ttl = body.wholeNumber("ttlSeconds", 60, maxTtlMinutes * 60, 600);
        FieldEnrollment.Opened o = enrollment.open(id, Duration.ofSeconds(ttl), r.session().username(),
                Map.of("requestId", r.requestId(), "via", "api"));
        return ApiResponse.created(new ApiViews.Enrollment(o.enrollment().id(), id, o.enrollment().expiresAt().toString(),
                o.claimKeyPem(), o.claimCertificatePem(), o.caPem()), id, "/api/v1/enrollments/" + o.enrollment().id());
    }
}
