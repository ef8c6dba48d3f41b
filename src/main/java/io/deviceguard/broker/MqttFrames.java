package io.deviceguard.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Reading MQTT frames as bytes, before the broker's decoder sees them, for the rules that decoder lets through: a
 * string that is not UTF-8 or holds U+0000 [MQTT-1.5.4-1, MQTT-1.5.4-2] (the decoder substitutes characters), an MQTT 5
 * property given twice [MQTT-2.2.2-2] (the decoder keeps the last), an empty topic [MQTT-4.7.3-1], and a topic deeper
 * than the platform allows. Everything here reads one complete frame and never trusts a length it has not checked
 * against the frame; what it cannot follow it leaves to the broker's decoder, which refuses malformed packets.
 */
final class MqttFrames {

    static final int CONNECT = 1;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBSCRIBE = 8;
    static final int UNSUBSCRIBE = 10;
    static final int DISCONNECT = 14;
    static final int AUTH = 15;

    /** {@link #remainingLength} results that are not lengths. */
    static final int NEED_MORE = -1;
    static final int MALFORMED = -2;

    static final int MQTT_5 = 5;
    private static final int USER_PROPERTY = 0x26;
    private static final int TOPIC_ALIAS = 0x23;

    private MqttFrames() {
    }

    /** The remaining length of the frame at {@code in}'s reader index, or NEED_MORE / MALFORMED [MQTT-1.5.5]. */
    static int remainingLength(ByteBuf in) {
        int value = 0;
        int multiplier = 1;
        int index = in.readerIndex() + 1;
        for (int i = 0; i < 4; i++, index++) {
            if (index >= in.writerIndex()) {
                return NEED_MORE;
            }
            int b = in.getUnsignedByte(index);
            value += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0) {
                return value;
            }
            multiplier *= 128;
        }
        return MALFORMED;
    }

    /** Bytes the remaining-length field of {@code remaining} takes. */
    static int lengthBytes(int remaining) {
        return remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    }

    /** What the guard needs from a CONNECT: its protocol level (3, 4 or 5), client ID, and what is wrong with it. */
    record Connect(int level, String clientId, ProtocolViolation violation) {
    }

    /**
     * Reads a complete CONNECT frame; null when it is too broken to read or does not name the MQTT protocol ("MQTT",
     * or "MQIsdp" for 3.1): the broker's protocol detection would not take it for MQTT and would keep what followed.
     */
    static Connect connect(ByteBuf frame) {
        Reader r = new Reader(frame);
        int nameStart = r.pos + 2;
        int nameLength = r.string(false);
        if (nameLength < 0 || !(isName(frame, nameStart, nameLength, "MQTT") || isName(frame, nameStart, nameLength, "MQIsdp"))) {
            return null;
        }
        int level = r.u8();
        int flags = r.u8();
        r.skip(2);                                  // keep-alive
        ProtocolViolation violation = null;
        if (level == MQTT_5 && r.properties() == Reader.DUPLICATE) {
            violation = ProtocolViolation.DUPLICATE_PROPERTY;
        }
        int idStart = r.pos + 2;
        int idLength = r.string(true);
        if (idLength == Reader.BAD_STRING) {
            return new Connect(level, null, ProtocolViolation.MALFORMED_UTF8);
        }
        if (idLength < 0) {
            return null;
        }
        String clientId = frame.toString(idStart, Math.min(idLength, 256), StandardCharsets.UTF_8);
        if ((flags & 0x04) != 0) {                   // a will: its properties (MQTT 5) and topic
            if (level == MQTT_5 && r.properties() == Reader.DUPLICATE && violation == null) {
                violation = ProtocolViolation.DUPLICATE_PROPERTY;
            }
            if (r.string(true) == Reader.BAD_STRING) {
                violation = ProtocolViolation.MALFORMED_UTF8;
            }
            r.string(false);                        // will payload: binary
        }
        if ((flags & 0x80) != 0 && r.string(true) == Reader.BAD_STRING) {   // user name
            violation = ProtocolViolation.MALFORMED_UTF8;
        }
        return new Connect(level, clientId, violation);
    }

    private static boolean isName(ByteBuf frame, int start, int length, String name) {
        return length == name.length() && frame.toString(start, length, StandardCharsets.US_ASCII).equals(name);
    }

    /** What is wrong with a complete frame other than CONNECT, or null; {@code level} is the connection's. */
    static ProtocolViolation check(ByteBuf frame, int type, int flags, int level, int maxTopicLevels) {
        Reader r = new Reader(frame);
        switch (type) {
            case PUBLISH -> {
                int topicStart = r.pos + 2;
                int topic = r.string(true);
                if (topic == Reader.BAD_STRING) {
                    return ProtocolViolation.MALFORMED_UTF8;
                }
                if (topic < 0) {
                    return null;
                }
                if (((flags >> 1) & 0x03) > 0) {
                    r.skip(2);
                }
                int props = level == MQTT_5 ? r.properties() : 0;
                if (props == Reader.DUPLICATE) {
                    return ProtocolViolation.DUPLICATE_PROPERTY;
                }
                if (topic == 0 && !(props >= 0 && r.saw(TOPIC_ALIAS))) {
                    return ProtocolViolation.TOPIC_NAME_INVALID;
                }
                return levels(frame, topicStart, topic) > maxTopicLevels ? ProtocolViolation.TOPIC_NAME_INVALID : null;
            }
            case SUBSCRIBE, UNSUBSCRIBE -> {
                r.skip(2);
                if (level == MQTT_5 && r.properties() == Reader.DUPLICATE) {
                    return ProtocolViolation.DUPLICATE_PROPERTY;
                }
                while (r.pos < r.end) {
                    int start = r.pos + 2;
                    int filter = r.string(true);
                    if (filter == Reader.BAD_STRING) {
                        return ProtocolViolation.MALFORMED_UTF8;
                    }
                    if (filter < 0) {
                        return null;
                    }
                    if (filter == 0 || levels(frame, start, filter) > maxTopicLevels) {
                        return ProtocolViolation.TOPIC_FILTER_INVALID;
                    }
                    if (type == SUBSCRIBE) {
                        r.skip(1);                      // subscription options
                    }
                }
                return null;
            }
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> {
                if (level != MQTT_5 || r.end - r.pos < 4) {
                    return null;                        // packet id (and reason) only: no properties
                }
                r.skip(3);
            }
            case DISCONNECT, AUTH -> {
                if (level != MQTT_5 || r.end - r.pos < 2) {
                    return null;
                }
                r.skip(1);
            }
            default -> {
                return null;
            }
        }
        return r.properties() == Reader.DUPLICATE ? ProtocolViolation.DUPLICATE_PROPERTY : null;
    }

    private static int levels(ByteBuf frame, int start, int length) {
        int levels = 1;
        for (int i = start; i < start + length; i++) {
            if (frame.getByte(i) == '/') {
                levels++;
            }
        }
        return levels;
    }

    /** A bounds-checked cursor over one frame, starting after its fixed header. */
    private static final class Reader {
        static final int DUPLICATE = -3;
        static final int BAD_STRING = -4;
        private static final int UNREADABLE = -1;

        private final ByteBuf buf;
        private int pos;
        private final int end;
        private long seen;

        Reader(ByteBuf frame) {
            this.buf = frame;
            this.end = frame.writerIndex();
            int remaining = remainingLength(frame);
            this.pos = frame.readerIndex() + 1 + lengthBytes(Math.max(remaining, 0));
        }

        boolean ok(int n) {
            return n >= 0 && pos + n <= end;
        }

        void skip(int n) {
            pos = Math.min(end, pos + n);
        }

        int u8() {
            return ok(1) ? buf.getUnsignedByte(pos++) : -1;
        }

        /**
         * Skips a length-prefixed string: its length, UNREADABLE past the end, or (if {@code utf8}) BAD_STRING when
         * it is not well-formed UTF-8 or holds U+0000.
         */
        int string(boolean utf8) {
            if (!ok(2)) {
                return UNREADABLE;
            }
            int n = buf.getUnsignedShort(pos);
            if (!ok(2 + n)) {
                return UNREADABLE;
            }
            int start = pos + 2;
            pos = start + n;
            if (utf8 && n > 0 && (!ByteBufUtil.isText(buf, start, n, StandardCharsets.UTF_8)
                    || buf.indexOf(start, start + n, (byte) 0) >= 0)) {
                return BAD_STRING;
            }
            return n;
        }

        int varInt() {
            int value = 0;
            int multiplier = 1;
            for (int i = 0; i < 4; i++) {
                int b = u8();
                if (b < 0) {
                    return UNREADABLE;
                }
                value += (b & 0x7F) * multiplier;
                if ((b & 0x80) == 0) {
                    return value;
                }
                multiplier *= 128;
            }
            return UNREADABLE;
        }

        boolean saw(int id) {
            return (seen & (1L << id)) != 0;
        }

        /** Reads a property section: 0, DUPLICATE, or UNREADABLE (unknown property, lengths past the end). */
        int properties() {
            int length = varInt();
            if (length < 0 || !ok(length)) {
                return UNREADABLE;
            }
            int stop = pos + length;
            seen = 0;                                  // property identifiers are 1..0x2A: one bit each
            boolean duplicate = false;
            while (pos < stop) {
                int id = varInt();
                int size = valueSize(id);
                if (size == Integer.MIN_VALUE) {
                    return UNREADABLE;
                }
                duplicate |= id != USER_PROPERTY && saw(id);
                seen |= 1L << id;
                if (!skipValue(size) || pos > stop) {
                    return UNREADABLE;
                }
            }
            return duplicate ? DUPLICATE : 0;
        }

        private boolean skipValue(int size) {
            return switch (size) {
                case -1 -> string(false) >= 0;                          // UTF-8 string or binary data
                case -2 -> string(false) >= 0 && string(false) >= 0;    // string pair
                case -3 -> varInt() >= 0;                               // variable byte integer
                default -> {
                    boolean fits = ok(size);
                    skip(size);
                    yield fits;
                }
            };
        }

        /** Fixed size in bytes, or -1 string/binary, -2 string pair, -3 varint; MIN_VALUE for an unknown property. */
        private static int valueSize(int id) {
            return switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> 1;
                case 0x13, 0x21, 0x22, 0x23 -> 2;
                case 0x02, 0x11, 0x18, 0x27 -> 4;
                case 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> -1;
                case USER_PROPERTY -> -2;
                case 0x0B -> -3;
                default -> Integer.MIN_VALUE;
            };
        }
    }
}
