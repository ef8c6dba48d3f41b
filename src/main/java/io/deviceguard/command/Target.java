package io.deviceguard.command;

import io.deviceguard.device.DeviceId;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What a command is sent to: {@code device:ID} or {@code device:ID1,ID2,...} (a list), {@code group:NAME} (a static
 * group, as it is when the command is created), or {@code all} (every ACTIVE device at that moment).
 */
public record Target(Kind kind, List<String> names) {

    public enum Kind { DEVICES, GROUP, ALL }

    public static Target parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the target is empty: give device:ID[,ID...], group:NAME or all");
        }
        if (text.equals("all")) {
            return new Target(Kind.ALL, List.of());
        }
        if (text.startsWith("device:") || text.startsWith("devices:")) {
            List<String> ids = List.copyOf(new LinkedHashSet<>(Arrays.asList(text.substring(text.indexOf(':') + 1).split(",", -1))));
            for (String id : ids) {
                if (!DeviceId.isValid(id)) {
                    throw new IllegalArgumentException("target '" + DeviceId.printable(text) + "': '" + DeviceId.printable(id)
                            + "' is not a valid device ID");
                }
            }
            if (ids.size() > 100_000) {
                throw new IllegalArgumentException("target lists more than 100000 devices; use a group");
            }
            return new Target(Kind.DEVICES, ids);
        }
        if (text.startsWith("group:")) {
            String name = text.substring("group:".length());
            if (!Groups.isValidName(name)) {
                throw new IllegalArgumentException("target '" + DeviceId.printable(text) + "': " + Groups.NAME_RULE);
            }
            return new Target(Kind.GROUP, List.of(name));
        }
        throw new IllegalArgumentException("target '" + DeviceId.printable(text)
                + "' is not device:ID[,ID...], group:NAME or all");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case GROUP -> "group:" + names.get(0);
            case DEVICES -> "device:" + String.join(",", names);
        };
    }
}
