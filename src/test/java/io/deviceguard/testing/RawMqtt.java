package io.deviceguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * MQTT as bytes, for tests that send what no client library would: packets built field by field, written over a
 * real TLS socket, and what the broker answers (or that it closed the connection).
 */
public final class RawMqtt {

    private RawMqtt() {
    }

    /** A TLS connection to the broker, handshake done. */
    public static SSLSocket tls(int port, SSLContext ctx) {
        try {
            Socket tcp = new Socket();
            tcp.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, "localhost", port, true);
            s.setSoTimeout(15_000);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the broker did after a write: the bytes it sent back, and whether it closed the connection. */
    public record Answer(byte[] bytes, boolean closed, long millis) {
        /** The first packet's type (CONNACK 2, PUBACK 4, SUBACK 9, DISCONNECT 14), -1 if none. */
        public int firstType() {
            return bytes.length == 0 ? -1 : (bytes[0] & 0xFF) >> 4;
        }

        /** The reason code of a CONNACK (its fourth byte), -1 if the answer is no CONNACK. */
        public int connackCode() {
            return firstType() == 2 && bytes.length >= 4 ? bytes[3] & 0xFF : -1;
        }

        /** The reason code of an MQTT 5 DISCONNECT anywhere in the answer, -1 if there is none. */
        public int disconnectCode() {
            int i = 0;
            while (i + 1 < bytes.length) {
                int type = (bytes[i] & 0xFF) >> 4;
                int len = 0;
                int mult = 1;
                int j = i + 1;
                while (j < bytes.length) {
                    len += (bytes[j] & 0x7F) * mult;
                    mult *= 128;
                    if ((bytes[j++] & 0x80) == 0) {
                        break;
                    }
                }
                if (type == 14 && j < bytes.length && len > 0) {
                    return bytes[j] & 0xFF;
                }
                i = j + len;
            }
            return -1;
        }
    }

    /** Writes {@code bytes} (ignoring a broker that already closed) and reads until the broker closes or {@code waitMs} pass. */
    public static Answer send(Socket s, byte[] bytes, long waitMs) {
        long t0 = System.nanoTime();
        try {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
        } catch (IOException e) {
            return new Answer(new byte[0], true, (System.nanoTime() - t0) / 1_000_000);
        }
        return read(s, waitMs, t0);
    }

    /** Reads until the broker closes or {@code waitMs} pass. */
    public static Answer read(Socket s, long waitMs, long t0) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + waitMs * 1_000_000;
        byte[] buf = new byte[4096];
        try {
            InputStream in = s.getInputStream();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return new Answer(got.toByteArray(), false, (System.nanoTime() - t0) / 1_000_000);
                }
                s.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return new Answer(got.toByteArray(), false, (System.nanoTime() - t0) / 1_000_000);
                }
                if (n < 0) {
                    return new Answer(got.toByteArray(), true, (System.nanoTime() - t0) / 1_000_000);
                }
                got.write(buf, 0, n);
            }
        } catch (IOException e) {
            // reset by the broker: closed
            return new Answer(got.toByteArray(), true, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** Reads one whole packet (fixed header and body); null if the connection closed first. */
    public static byte[] readPacket(Socket s, int timeoutMs) {
        try {
            s.setSoTimeout(timeoutMs);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            int first = in.read();
            if (first < 0) {
                return null;
            }
            p.write(first);
            int len = 0;
            int mult = 1;
            int b;
            do {
                b = in.read();
                if (b < 0) {
                    return null;
                }
                p.write(b);
                len += (b & 0x7F) * mult;
                mult *= 128;
            } while ((b & 0x80) != 0);
            byte[] body = in.readNBytes(len);
            if (body.length < len) {
                return null;
            }
            p.write(body, 0, body.length);
            return p.toByteArray();
        } catch (IOException e) {
            return null;
        }
    }

    /** A TLS connection that has sent {@code connect} and read the broker's CONNACK (which must accept it). */
    public static SSLSocket connected(int port, SSLContext ctx, byte[] connect) {
        SSLSocket s = tls(port, ctx);
        try {
            s.getOutputStream().write(connect);
            s.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] connack = readPacket(s, 15_000);
        if (connack == null || (connack[0] & 0xFF) != 0x20 || connack[3] != 0) {
            throw new IllegalStateException("CONNECT not accepted: " + (connack == null ? "closed" : java.util.HexFormat.of().formatHex(connack)));
        }
        return s;
    }

    public static void closeQuietly(Socket s) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (IOException ignored) {
            // closing a socket the broker may have closed first
        }
    }

    // ---- packets ----

    public static byte[] packet(int firstByte, byte[] body) {
        return cat(new byte[] {(byte) firstByte}, varInt(body.length), body);
    }

    /** A CONNECT: MQTT 3.1.1 (level 4) or 5 (level 5, with {@code props}, a property section without its length). */
    public static byte[] connect(int level, String clientId, int keepAlive, boolean cleanStart, byte[] props) {
        byte[] variable = cat(str("MQTT"), new byte[] {(byte) level, (byte) (cleanStart ? 0x02 : 0x00),
                (byte) (keepAlive >> 8), (byte) keepAlive}, level == 5 ? cat(varInt(props.length), props) : new byte[0]);
        return packet(0x10, cat(variable, str(clientId)));
    }

    public static byte[] connect(int level, String clientId) {
        return connect(level, clientId, 30, true, new byte[0]);
    }

    public static byte[] publish(int level, byte[] topic, int qos, byte[] props, byte[] payload) {
        byte[] id = qos > 0 ? new byte[] {0x00, 0x01} : new byte[0];
        byte[] p = level == 5 ? cat(varInt(props.length), props) : new byte[0];
        return packet(0x30 | (qos << 1), cat(lengthPrefixed(topic), id, p, payload));
    }

    public static byte[] subscribe(int level, byte[] filter) {
        byte[] p = level == 5 ? varInt(0) : new byte[0];
        return packet(0x82, cat(new byte[] {0x00, 0x02}, p, lengthPrefixed(filter), new byte[] {0x01}));
    }

    /** MQTT 5 properties: Session Expiry Interval (0x11), four bytes. */
    public static byte[] sessionExpiry(int seconds) {
        return new byte[] {0x11, (byte) (seconds >> 24), (byte) (seconds >> 16), (byte) (seconds >> 8), (byte) seconds};
    }

    public static byte[] str(String s) {
        return lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] lengthPrefixed(byte[] b) {
        return cat(new byte[] {(byte) (b.length >> 8), (byte) b.length}, b);
    }

    public static byte[] varInt(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = value;
        do {
            int b = (int) (v % 128);
            v /= 128;
            out.write(v > 0 ? b | 0x80 : b);
        } while (v > 0);
        return out.toByteArray();
    }

    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
