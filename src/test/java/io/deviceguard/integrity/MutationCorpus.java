package io.deviceguard.integrity;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deviceguard.sdk.Envelope;
import io.deviceguard.testing.DeviceFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Malformed device messages, generated from one good signed message: bit flips, truncations, invalid UTF-8, and
 * correctly signed payloads with huge numbers, deep nesting or wrong types. Every one must be refused.
 */
final class MutationCorpus {

    private MutationCorpus() {
    }

    static List<byte[]> generate(Random rnd, String original, DeviceFiles device, int size) {
        byte[] base = original.getBytes(StandardCharsets.UTF_8);
        List<byte[]> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int kind = i % 10;
            out.add(switch (kind) {
                case 0, 1, 2, 3 -> flipBits(rnd, base);
                case 4 -> Arrays.copyOf(base, rnd.nextInt(base.length - 1));
                case 5 -> invalidUtf8(rnd, base);
                case 6 -> resigned(device, hugeNumber(rnd, device.id()));
                case 7 -> resigned(device, deepNesting(rnd, device.id()));
                default -> resigned(device, wrongType(rnd, device.id()));
            });
        }
        return out;
    }

    private static byte[] flipBits(Random rnd, byte[] base) {
        byte[] b = base.clone();
        int flips = 1 + rnd.nextInt(3);
        for (int f = 0; f < flips; f++) {
            int pos = rnd.nextInt(b.length);
            b[pos] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
    }

    private static byte[] invalidUtf8(Random rnd, byte[] base) {
        byte[] b = base.clone();
        int pos = rnd.nextInt(b.length);
        b[pos] = (byte) (0x80 | rnd.nextInt(0x40)); // a continuation byte with no lead byte
        return b;
    }

    private static ObjectNode fresh(String id) {
        return Envelope.payload(id, "telemetry", UUID.randomUUID().toString(), System.currentTimeMillis(),
                Map.of("mutant", true));
    }

    private static String hugeNumber(Random rnd, String id) {
        String digits = "9".repeat(30 + rnd.nextInt(400));
        String json = fresh(id).toString();
        return json.replace("\"mutant\":true", "\"mutant\":true,\"v\":" + (rnd.nextBoolean() ? digits : "1e" + digits.length()));
    }

    private static String deepNesting(Random rnd, String id) {
        int depth = 5 + rnd.nextInt(300);
        String json = fresh(id).toString();
        return json.replace("\"mutant\":true", "\"mutant\":true,\"deep\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
    }

    private static String wrongType(Random rnd, String id) {
        ObjectNode n = fresh(id);
        switch (rnd.nextInt(6)) {
            case 0 -> n.put("ts", "now");
            case 1 -> n.put("deviceId", 42);
            case 2 -> n.putArray("data").add("mutant");
            case 3 -> n.put("msgId", "x");
            case 4 -> n.put("type", "event");
            default -> n.putNull("data");
        }
        return n.toString();
    }

    private static byte[] resigned(DeviceFiles device, String payload) {
        return Envelope.sign(device.identity().key(), device.id(), payload).getBytes(StandardCharsets.UTF_8);
    }
}
