package io.deviceguard.integrity;

/**
 * The broker delivered a message again that was handled already (its acknowledgement was lost in a crash): it is
 * acknowledged and audited, not handled a second time and not taken for a replay.
 */
public final class DuplicateDelivery extends RuntimeException {

    private final String deviceId;
    private final String msgId;

    public DuplicateDelivery(String deviceId, String msgId) {
        super("msgId " + IntegritySteps.printable(msgId) + " of " + deviceId + " was handled already", null, false, false);
        this.deviceId = deviceId;
        this.msgId = msgId;
    }

    public String deviceId() {
        return deviceId;
    }

    public String msgId() {
        return msgId;
    }
}
