package io.deviceguard.integrity;

/** Why a device message does not conform. The code is what quarantine, audit and metrics record. */
public enum Reason {
    TOO_LARGE("larger than the configured limit"),
    INVALID_UTF8("not valid UTF-8"),
    NOT_JWS("not a JWS in compact serialization"),
    ALG_NOT_ALLOWED("signature algorithm not allowed (ES256 or EdDSA only)"),
    KEY_ID_MISMATCH("JWS header kid does not name the publishing device"),
    NO_REGISTERED_KEY("no usable registered key for the device"),
    BAD_SIGNATURE("signature does not verify against the registered certificate"),
    NOT_JSON("payload is not a JSON object"),
    SCHEMA_VIOLATION("payload does not match its schema"),
    DEVICE_ID_MISMATCH("deviceId in the payload differs from the topic's device"),
    IDENTITY_MISMATCH("the authenticated publisher differs from the topic's device"),
    STALE_TIMESTAMP("ts outside the allowed clock skew"),
    REPLAY("msgId already seen for this device");

    private final String text;

    Reason(String text) {
        this.text = text;
    }

    public String code() {
        return name().toLowerCase();
    }

    public String text() {
        return text;
    }
}
