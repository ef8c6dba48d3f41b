package io.deviceguard.broker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few packets the frame guard writes itself, byte by byte: a CONNACK that refuses a connection and an MQTT 5
 * DISCONNECT that says why a connection is closed. MQTT 5 packets carry a Reason String; MQTT 3.1.1 has only
 * "server unavailable" (0x03) for a refusal of this kind [MQTT-3.2.2-3] and no DISCONNECT from the server.
 */
final class MqttRefusals {

    private static final int REASON_STRING = 0x1F;
    private static final int SERVER_UNAVAILABLE_3 = 0x03;

    private MqttRefusals() {
    }

    static byte[] connack(int level, int mqtt5Code, String reason) {
        if (level != MqttFrames.MQTT_5) {
            return new byte[] {0x20, 0x02, 0x00, SERVER_UNAVAILABLE_3};
        }
        byte[] props = reasonString(reason);
        return packet(0x20, concat(new byte[] {0x00, (byte) mqtt5Code}, props));
    }

    static byte[] disconnect(ProtocolViolation v) {
        return packet(0xE0, concat(new byte[] {(byte) v.reasonCode()}, reasonString(v.text())));
    }

    /** A property section holding one Reason String. */
    private static byte[] reasonString(String text) {
        byte[] s = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(REASON_STRING);
        p.write(s.length >> 8);
        p.write(s.length & 0xFF);
        p.write(s, 0, s.length);
        byte[] body = p.toByteArray();
        return concat(varInt(body.length), body);
    }

    private static byte[] packet(int firstByte, byte[] body) {
        return concat(concat(new byte[] {(byte) firstByte}, varInt(body.length)), body);
    }

    static byte[] varInt(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int v = value;
        do {
            int b = v % 128;
            v /= 128;
            out.write(v > 0 ? b | 0x80 : b);
        } while (v > 0);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
