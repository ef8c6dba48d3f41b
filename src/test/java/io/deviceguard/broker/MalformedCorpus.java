package io.deviceguard.broker;

import static io.deviceguard.testing.RawMqtt.cat;
import static io.deviceguard.testing.RawMqtt.packet;
import static io.deviceguard.testing.RawMqtt.str;
import static io.deviceguard.testing.RawMqtt.varInt;

import io.deviceguard.testing.RawMqtt;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated malformed MQTT traffic, reproducible from a seed: valid packets of every type, for MQTT 3.1.1 and 5,
 * broken by mutations (bit flips, truncation, insertions, lying lengths, 5-byte lengths, reserved flags and types,
 * QoS 3, invalid UTF-8, U+0000, duplicated properties, deep topics) and plain garbage. Half of the cases come before
 * the CONNECT (no identity needed), half after a valid CONNECT (they reach the broker's decoder and handlers).
 */
final class MalformedCorpus {

    /** One case: whether a valid CONNECT goes first (as device {@code clientId}), then the bytes, and its family. */
    record Case(boolean afterConnect, int level, byte[] bytes, String family) {
    }

    private final Random rnd;
    private final String clientId;

    MalformedCorpus(long seed, String clientId) {
        this.rnd = new Random(seed);
        this.clientId = clientId;
    }

    List<Case> generate(int n) {
        List<Case> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int level = rnd.nextBoolean() ? 4 : 5;
            boolean after = rnd.nextBoolean();
            out.add(after ? afterConnect(level) : beforeConnect(level));
        }
        return out;
    }

    private Case beforeConnect(int level) {
        byte[] connect = RawMqtt.connect(level, clientId, rnd.nextInt(120), rnd.nextBoolean(),
                level == 5 ? props() : new byte[0]);
        return switch (rnd.nextInt(8)) {
            case 0 -> new Case(false, level, garbage(), "garbage");
            case 1 -> new Case(false, level, ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: " + rnd.nextInt(Integer.MAX_VALUE)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), "http");
            case 2 -> new Case(false, level, cat(new byte[] {0x10}, varInt(rnd.nextInt(268_435_455)), garbage()), "connect-huge-length");
            case 3 -> new Case(false, level, cat(new byte[] {0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}, garbage()),
                    "connect-5-byte-length");
            case 4 -> new Case(false, level, connectWithBadString(level), "connect-bad-utf8");
            default -> new Case(false, level, mutate(connect), "connect-mutated");
        };
    }

    private Case afterConnect(int level) {
        byte[] topic = ("devices/" + clientId + "/telemetry").getBytes(StandardCharsets.UTF_8);
        byte[] valid = switch (rnd.nextInt(9)) {
            case 0 -> RawMqtt.publish(level, topic, rnd.nextInt(3), props(), randomBytes(rnd.nextInt(64)));
            case 1 -> RawMqtt.subscribe(level, ("devices/" + clientId + "/commands").getBytes(StandardCharsets.UTF_8));
            case 2 -> packet(0xA2, cat(new byte[] {0x00, 0x03}, level == 5 ? varInt(0) : new byte[0], str("devices/x/commands")));
            case 3 -> new byte[] {(byte) 0xC0, 0x00};                         // PINGREQ
            case 4 -> new byte[] {0x40, 0x02, 0x00, 0x07};                     // PUBACK
            case 5 -> new byte[] {0x62, 0x02, 0x00, 0x07};                     // PUBREL
            case 6 -> level == 5 ? packet(0xE0, cat(new byte[] {0x00}, varInt(5), RawMqtt.sessionExpiry(10))) : new byte[] {(byte) 0xE0, 0x00};
            case 7 -> packet(0xF0, cat(new byte[] {0x18}, varInt(0)));         // AUTH
            default -> RawMqtt.publish(level, topic, 1, props(), randomBytes(8));
        };
        return switch (rnd.nextInt(10)) {
            case 0 -> new Case(true, level, garbage(), "after-garbage");
            case 1 -> new Case(true, level, RawMqtt.publish(level, badString(), 1, new byte[0], randomBytes(4)), "publish-bad-utf8");
            case 2 -> new Case(true, level, RawMqtt.publish(level, new byte[0], rnd.nextInt(2), new byte[0], randomBytes(4)), "publish-empty-topic");
            case 3 -> new Case(true, level, RawMqtt.subscribe(level, deepFilter(1_000 + rnd.nextInt(40_000))), "subscribe-deep");
            case 4 -> new Case(true, level, cat(new byte[] {(byte) (0x30 | 0x06)}, varInt(rnd.nextInt(100) + 3), randomBytes(8)), "publish-qos3");
            case 5 -> new Case(true, level, cat(new byte[] {(byte) (rnd.nextInt(16) << 4 | rnd.nextInt(16))},
                    varInt(rnd.nextInt(300_000_000)), randomBytes(rnd.nextInt(32))), "random-header");
            case 6 -> new Case(true, level, level == 5 ? RawMqtt.publish(5, topic, 1, cat(new byte[] {0x02, 0, 0, 0, 9},
                    new byte[] {0x02, 0, 0, 0, 9}), randomBytes(4)) : RawMqtt.connect(level, clientId), level == 5 ? "publish-duplicate-property" : "second-connect");
            default -> new Case(true, level, mutate(valid), "mutated");
        };
    }

    /** Random damage to a valid packet. */
    private byte[] mutate(byte[] valid) {
        byte[] b = valid.clone();
        int kind = rnd.nextInt(6);
        switch (kind) {
            case 0 -> {                                    // flip bits
                for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                return b;
            }
            case 1 -> {                                    // truncate
                return java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 2 -> {                                    // insert bytes somewhere
                int at = rnd.nextInt(b.length + 1);
                return cat(java.util.Arrays.copyOfRange(b, 0, at), randomBytes(1 + rnd.nextInt(16)),
                        java.util.Arrays.copyOfRange(b, at, b.length));
            }
            case 3 -> {                                    // lie about the remaining length
                b[1] = (byte) rnd.nextInt(256);
                return b;
            }
            case 4 -> {                                    // reserved flags / type
                b[0] = (byte) ((b[0] & 0xF0) | rnd.nextInt(16));
                if (rnd.nextInt(4) == 0) {
                    b[0] = (byte) (b[0] & 0x0F);
                }
                return b;
            }
            default -> {                                   // overwrite a run of bytes
                int at = rnd.nextInt(b.length);
                for (int i = at; i < Math.min(b.length, at + 1 + rnd.nextInt(8)); i++) {
                    b[i] = (byte) rnd.nextInt(256);
                }
                return b;
            }
        }
    }

    private byte[] connectWithBadString(int level) {
        byte[] id = badString();
        byte[] variable = cat(str("MQTT"), new byte[] {(byte) level, 0x02, 0x00, 0x1E}, level == 5 ? varInt(0) : new byte[0]);
        return packet(0x10, cat(variable, RawMqtt.lengthPrefixed(id)));
    }

    /** Bytes that are not UTF-8, or hold U+0000. */
    private byte[] badString() {
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {'a', 0x00, 'b'},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xC0, (byte) 0xAF}};
        return cat("dev".getBytes(StandardCharsets.US_ASCII), bad[rnd.nextInt(bad.length)]);
    }

    private byte[] deepFilter(int levels) {
        byte[] b = new byte[levels * 2 - 1];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 2 == 0 ? 'a' : '/');
        }
        return b;
    }

    /** An MQTT 5 property section: empty, a valid one, or one naming a property twice. */
    private byte[] props() {
        return switch (rnd.nextInt(3)) {
            case 0 -> new byte[0];
            case 1 -> RawMqtt.sessionExpiry(rnd.nextInt(100));
            default -> cat(RawMqtt.sessionExpiry(5), RawMqtt.sessionExpiry(6));
        };
    }

    private byte[] garbage() {
        return randomBytes(1 + rnd.nextInt(200));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
