package io.deviceguard.device;

import java.util.regex.Pattern;

/** A device ID: the certificate CN, the MQTT client ID and the topic segment, all three equal. */
public final class DeviceId {

    public static final Pattern PATTERN = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    private DeviceId() {
    }

    public static boolean isValid(String id) {
        return id != null && PATTERN.matcher(id).matches();
    }

    public static String require(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("invalid device ID '" + printable(id)
                    + "': 1-64 characters, letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return id;
    }

    /** Shows an untrusted ID in a message or audit row without control characters and bounded in length. */
    public static String printable(String id) {
        if (id == null) {
            return "(none)";
        }
        String s = id.length() > 80 ? id.substring(0, 80) + "..." : id;
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
