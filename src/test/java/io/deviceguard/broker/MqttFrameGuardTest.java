package io.deviceguard.broker;

import static io.deviceguard.testing.RawMqtt.cat;
import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.audit.AuditEvent;
import io.deviceguard.testing.RawMqtt;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frame guard on its own, in a Netty pipeline in front of the broker's MQTT decoder: what it passes, what it
 * holds back, what closes the connection, and what it audits.
 */
class MqttFrameGuardTest {

    static final byte[] TOPIC = "devices/d1/telemetry".getBytes(StandardCharsets.UTF_8);

    final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    final String key = UUID.randomUUID().toString();
    ConnectionGuards guards;

    ConnectionGuards guards(int connections, int perDevice, int inflight) {
        BrokerLimits limits = new BrokerLimits(1024, 8, Duration.ofSeconds(10), 60, 3600, connections, perDevice,
                1000, 1000, inflight, Duration.ofSeconds(30), 100);
        guards = ConnectionGuards.register(limits, audit::add, "not-the-service", key);
        return guards;
    }

    @AfterEach
    void unregister() {
        if (guards != null) {
            guards.unregister();
        }
    }

    EmbeddedChannel channel(ConnectionGuards g) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(MqttFrameGuard.NAME, new MqttFrameGuard(g, null, "10.0.0.1:1234"));
        ch.pipeline().addLast(new MqttDecoder(1 << 20));
        return ch;
    }

    static void feed(EmbeddedChannel ch, byte[]... parts) {
        for (byte[] p : parts) {
            ch.writeInbound(Unpooled.wrappedBuffer(p));
        }
    }

    static List<MqttMessageType> passed(EmbeddedChannel ch) {
        List<MqttMessageType> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(((MqttMessage) m).fixedHeader().messageType());
        }
        return out;
    }

    private String reasons() {
        return audit.stream().map(e -> e.action() + ":" + e.details().get("reason")).toList().toString();
    }

    @Test
    void aConnectSplitAcrossReadsPassesWhole() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        byte[] connect = RawMqtt.connect(4, "d1");
        feed(ch, java.util.Arrays.copyOf(connect, 5), java.util.Arrays.copyOfRange(connect, 5, connect.length));
        assertThat(passed(ch)).containsExactly(MqttMessageType.CONNECT);
        assertThat(ch.isActive()).isTrue();
        assertThat(guards.connections()).isEqualTo(1);
        ch.close();
        assertThat(guards.connections()).as("released when the connection goes").isZero();
    }

    @Test
    void firstPacketMustBeAConnectMqtt_3_1_0_1() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        feed(ch, "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(passed(ch)).isEmpty();
        assertThat(ch.isActive()).isFalse();
        assertThat(reasons()).contains("protocol-violation:not_mqtt");
    }

    @Test
    void aLengthLargerThanTheMaximumClosesBeforeAnythingIsHeld() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        feed(ch, cat(new byte[] {0x10}, RawMqtt.varInt(200_000_000)));
        assertThat(ch.isActive()).isFalse();
        assertThat(reasons()).contains("protocol-violation:packet_too_large");
    }

    @Test
    void aFiveByteRemainingLengthIsMalformedMqtt_1_5_5() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        feed(ch, new byte[] {0x10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
        assertThat(ch.isActive()).isFalse();
        assertThat(reasons()).contains("protocol-violation:malformed_remaining_length");
    }

    @Test
    void noConnectInTimeIsClosedAndAudited() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        byte[] connect = RawMqtt.connect(4, "d1");
        feed(ch, java.util.Arrays.copyOf(connect, connect.length - 1));
        ch.advanceTimeBy(11, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isActive()).isFalse();
        assertThat(reasons()).contains("connect:connect_timeout");
    }

    @Test
    void pastTheConnectionLimitAConnectIsRefusedWithServerBusy() {
        ConnectionGuards g = guards(1, 2, 10);
        EmbeddedChannel first = channel(g);
        feed(first, RawMqtt.connect(5, "d1"));
        EmbeddedChannel second = channel(g);
        feed(second, RawMqtt.connect(5, "d2"));
        ByteBuf connack = second.readOutbound();
        assertThat(connack.getUnsignedByte(0)).isEqualTo((short) 0x20);
        assertThat(connack.getUnsignedByte(3)).as("MQTT 5 reason 0x89 server busy").isEqualTo((short) 0x89);
        assertThat(passed(second)).isEmpty();
        assertThat(second.isActive()).isFalse();
        assertThat(reasons()).contains("connect:too_many_connections");
        EmbeddedChannel v311 = channel(g);
        feed(v311, RawMqtt.connect(4, "d3"));
        ByteBuf refused = v311.readOutbound();
        assertThat(refused.getUnsignedByte(3)).as("MQTT 3.1.1: 0x03 server unavailable").isEqualTo((short) 0x03);
    }

    @Test
    void pastTheInFlightLimitTheGuardStopsReadingUntilAnAckGoesOut() {
        EmbeddedChannel ch = channel(guards(10, 2, 2));
        feed(ch, RawMqtt.connect(4, "d1"));
        byte[] publish = RawMqtt.publish(4, TOPIC, 1, new byte[0], new byte[] {1});
        feed(ch, cat(publish, publish, publish));
        assertThat(passed(ch)).containsExactly(MqttMessageType.CONNECT, MqttMessageType.PUBLISH, MqttMessageType.PUBLISH);
        assertThat(ch.config().isAutoRead()).as("reading paused").isFalse();
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {0x40, 0x02, 0x00, 0x01}));   // the broker's PUBACK
        ch.runPendingTasks();
        assertThat(passed(ch)).containsExactly(MqttMessageType.PUBLISH);
        assertThat(ch.config().isAutoRead()).as("reading again").isTrue();
    }

    @Test
    void stringsTheDecoderWouldLetThroughCloseTheConnection() {
        byte[][] bad = {
            RawMqtt.publish(4, new byte[] {'a', (byte) 0xC3, 0x28}, 0, new byte[0], new byte[0]),   // not UTF-8
            RawMqtt.publish(4, new byte[] {'a', 0x00}, 0, new byte[0], new byte[0]),                 // U+0000
            RawMqtt.publish(4, new byte[0], 0, new byte[0], new byte[0]),                            // empty topic
            RawMqtt.subscribe(4, "a/b/c/d/e/f/g/h/i".getBytes(StandardCharsets.US_ASCII)),          // 9 levels, limit 8
        };
        for (byte[] b : bad) {
            EmbeddedChannel ch = channel(guards(10, 100, 10));
            feed(ch, RawMqtt.connect(4, "d1"), b);
            assertThat(passed(ch)).containsExactly(MqttMessageType.CONNECT);
            assertThat(ch.isActive()).isFalse();
            guards.unregister();
        }
        assertThat(reasons()).contains("protocol-violation:malformed_utf8", "protocol-violation:topic_name_invalid",
                "protocol-violation:topic_filter_invalid");
    }

    @Test
    void anMqtt5PropertyGivenTwiceIsAProtocolErrorMqtt_2_2_2_2() {
        EmbeddedChannel ch = channel(guards(10, 2, 10));
        feed(ch, RawMqtt.connect(5, "d1"));
        byte[] twice = {0x02, 0, 0, 0, 9, 0x02, 0, 0, 0, 10};
        feed(ch, RawMqtt.publish(5, TOPIC, 1, twice, new byte[] {1}));
        assertThat(passed(ch)).containsExactly(MqttMessageType.CONNECT);
        ByteBuf disconnect = ch.readOutbound();
        assertThat(disconnect.getUnsignedByte(0)).isEqualTo((short) 0xE0);
        assertThat(disconnect.getUnsignedByte(2)).as("reason 0x82 protocol error").isEqualTo((short) 0x82);
        assertThat(ch.isActive()).isFalse();
        // user properties may repeat
        EmbeddedChannel ok = channel(guards);
        feed(ok, RawMqtt.connect(5, "d1"));
        byte[] users = cat(new byte[] {0x26}, RawMqtt.str("k"), RawMqtt.str("v"), new byte[] {0x26}, RawMqtt.str("k"), RawMqtt.str("w"));
        feed(ok, RawMqtt.publish(5, TOPIC, 1, users, new byte[] {1}));
        assertThat(passed(ok)).containsExactly(MqttMessageType.CONNECT, MqttMessageType.PUBLISH);
    }
}
