package io.deviceguard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.device.Device;
import io.deviceguard.user.UserAccount;
import java.time.Instant;
import java.util.List;

/** The JSON shapes of the API's answers. Times are ISO-8601 UTC strings. */
final class ApiViews {

    private ApiViews() {
    }

    record LoginView(String token, String tokenType, String username, String role, String session, String expiresAt,
                     long idleTimeoutSeconds) {
        @Override
        public String toString() {
            return "LoginView[" + username + ", " + session + "]";
        }
    }

    record UserView(String username, String role, String state, boolean enabled, String lockedUntil, String createdAt,
                    String updatedAt) {
        static UserView of(UserAccount a) {
            return new UserView(a.username(), a.role().label(), a.state(), a.enabled(), text(a.lockedUntil()),
                    text(a.createdAt()), text(a.updatedAt()));
        }
    }

    record UserList(List<UserView> users, int count) {
    }

    record DeviceView(String id, String status, String certFingerprint, String certSerial, String notAfter,
                      String createdAt) {
        static DeviceView of(Device d) {
            return new DeviceView(d.id(), d.status().name(), d.certFingerprint(), d.certSerial(), text(d.notAfter()),
                    text(d.createdAt()));
        }
    }

    record DeviceList(List<DeviceView> devices, int count) {
    }

    record ImportedDevice(int line, String id, boolean created, String certFingerprint, String certificate) {
    }

    record ImportResult(int created, int unchanged, long millis, List<ImportedDevice> devices) {
    }

    record Enrollment(String enrollmentId, String deviceId, String expiresAt, String claimKey, String claimCertificate,
                      String ca) {
        @Override
        public String toString() {
            return "Enrollment[" + enrollmentId + ", " + deviceId + "]";
        }
    }

    /** A revocation, suspension or resumption: the device now, and the live sessions it closed. */
    record StatusChange(DeviceView device, int sessionsClosed, double disconnectMillis) {
    }

    /** The files of a device made on the host; the key and the PKCS#12 password are shown this once only. */
    record DeviceFiles(String key, String certificate, String pkcs12, String pkcs12Password, String ca,
                       String commandSigning) {
        @Override
        public String toString() {
            return "DeviceFiles[...]";
        }
    }

    record CreatedDevice(DeviceView device, DeviceFiles files) {
    }

    record AuditView(long seq, String ts, String category, String actorType, String actor, String action, String target,
                     String outcome, JsonNode details, String prevHash, String hash) {
        static AuditView of(AuditRecord r) {
            return new AuditView(r.seq(), text(r.ts()), r.category(), r.actorType(), r.actor(), r.action(), r.target(),
                    r.outcome(), Json.tree(r.details()), r.prevHash(), r.hash());
        }
    }

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record AuditList(List<AuditView> events, int count, Long next) {
    }

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record Problem(String type, String title, int status, String detail, String instance, String requestId, String code,
                   String field, Object errors) {
    }

    static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
