package io.deviceguard.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deviceguard.sdk.Envelope;
import java.util.Map;
import java.util.UUID;

/** Device messages for tests: a unique marker to find them again, envelopes, signatures. */
public final class Messages {

    private Messages() {
    }

    public static String marker() {
        return "mk" + UUID.randomUUID().toString().replace("-", "");
    }

    /** An unsigned telemetry payload carrying {@code marker}. */
    public static ObjectNode payload(String deviceId, String marker) {
        return Envelope.payload(deviceId, "telemetry", UUID.randomUUID().toString(), System.currentTimeMillis(),
                Map.of("temp", 21.5, "m", marker));
    }

    /** {@code payload} signed by device {@code d} with its own key and kid. */
    public static String sign(DeviceFiles d, ObjectNode payload) {
        return Envelope.sign(d.identity().key(), d.id(), payload.toString());
    }
}
