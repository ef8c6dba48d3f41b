package io.deviceguard.routes;

/** Exchange headers the device pipeline sets; YAML routes may use them ({@code ${header.DeviceGuardDeviceId}}). */
public final class DeviceHeaders {

    /** The device the message came from: the topic's device, checked against the registry. */
    public static final String DEVICE_ID = "DeviceGuardDeviceId";
    /** What the topic says the message is: {@code telemetry} or {@code events}. */
    public static final String KIND = "DeviceGuardKind";
    /** The message's msgId (unique per device): a sink that may see a message twice stores it once by this. */
    public static final String MSG_ID = "DeviceGuardMsgId";
    /** The audit sequence number of the row that accepted the message. */
    public static final String AUDIT_SEQ = "DeviceGuardAuditSeq";

    /** Exchange property: the registry row of the device (set by device-auth-check). */
    public static final String DEVICE = "DeviceGuardDevice";
    /** Exchange property: the message bytes as received. */
    public static final String RAW = "DeviceGuardRaw";
    /** Exchange property: the payload text (the verified JWS payload). */
    public static final String PAYLOAD_TEXT = "DeviceGuardPayloadText";
    /** Exchange property: true when the broker delivers a message again whose handling had not finished. */
    public static final String REDELIVERY = "DeviceGuardRedelivery";
    /** Exchange property: the payload as parsed, schema-checked JSON. */
    public static final String PAYLOAD = "DeviceGuardPayload";

    private DeviceHeaders() {
    }
}
