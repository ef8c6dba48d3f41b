package io.deviceguard.routes;

/** A device message that a pipeline step refuses; the reason code goes into its audit row. */
public class DeviceMessageRefusedException extends RuntimeException {

    private final String reason;
    private final String deviceId;

    public DeviceMessageRefusedException(String reason, String deviceId, String message) {
        super(message);
        this.reason = reason;
        this.deviceId = deviceId;
    }

    public String reason() {
        return reason;
    }

    public String deviceId() {
        return deviceId;
    }
}
