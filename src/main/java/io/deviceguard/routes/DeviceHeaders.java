package io.deviceguard.routes;

/** Exchange headers the device pipeline sets; YAML routes may use them ({@code ${header.DeviceGuardDeviceId}}). */
public final class DeviceHeaders {

    /** The device the message came from: the topic's device, checked against the registry. */
    public static final String DEVICE_ID = "DeviceGuardDeviceId";
    /** What the topic says the message is: {@code telemetry} or {@code events}. */
    public static final String KIND = "DeviceGuardKind";
    /** The audit sequence number of the row that accepted the message. */
    public static final String AUDIT_SEQ = "DeviceGuardAuditSeq";

    /** Exchange property: the registry row of the device (set by device-auth-check). */
    public static final String DEVICE = "DeviceGuardDevice";
    /** Exchange property: the message bytes as received. */
    public static final String RAW = "DeviceGuardRaw";
    /** Exchange property: the payload text (the verified JWS payload). */
    public static final String PAYLOAD_TEXT = "DeviceGuardPayloadText";
    /** Exchange property: the payload as parsed, schema-checked JSON. */
    public static final String PAYLOAD = "DeviceGuardPayload";

    private DeviceHeaders() {
    }
}
