package io.deviceguard.routes;

/** Exchange headers the device pipeline sets; YAML routes may use them ({@code ${header.DeviceGuardDeviceId}}). */
public final class DeviceHeaders {

    /** The device the message came from: the topic's device, checked against the registry. */
    public static final String DEVICE_ID = "DeviceGuardDeviceId";
    /** What the topic says the message is: {@code telemetry} or {@code events}. */
    public static final String KIND = "DeviceGuardKind";
    /** The audit sequence number of the row that accepted the message. */
    public static final String AUDIT_SEQ = "DeviceGuardAuditSeq";

    private DeviceHeaders() {
    }
}
