package io.deviceguard.broker;

import io.deviceguard.pki.Certificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttDecoder;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between TLS and the broker's MQTT decoder on every connection, from the end of the TLS handshake on, and
 * hands the broker whole frames only, once it has checked them. It closes a connection whose first packet is not a
 * CONNECT, whose remaining length is malformed or larger than the maximum packet size (before buffering any of it),
 * that sends no CONNECT in time, or that sends what the broker's decoder would let through (see {@link MqttFrames}:
 * malformed UTF-8, a repeated MQTT 5 property, an empty or too deep topic); it refuses a CONNECT past the connection limits
 * with a CONNACK reason code; and it holds each device to its publish allowance and in-flight limit by not reading
 * from it until it is within them again (back-pressure: nothing is dropped). A device throttled without a pause for
 * the flood time is disconnected. The platform's own service connections are exempt from the device limits.
 * <p>
 * Everything runs on the connection's event loop, so the state needs no locking.
 */
final class MqttFrameGuard extends ChannelDuplexHandler {

    static final String NAME = "deviceguard-frame-guard";
    private static final int SMALL = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(MqttFrameGuard.class);

    private final ConnectionGuards guards;
    private final BrokerLimits limits;
    private final String device;
    private final boolean service;
    private final String remote;
    private final OutboundScanner outbound = new OutboundScanner();
    private ChannelHandlerContext ctx;
    private ByteBuf cumulation;
    private ScheduledFuture<?> connectDeadline;
    private ScheduledFuture<?> wakeUp;
    private boolean deviceCounted;
    private boolean connectionCounted;
    private volatile int level;
    private boolean connected;
    private boolean closing;
    private boolean released;
    private boolean paused;
    private boolean waitingForAck;
    private PublishThrottle throttle;
    private boolean throttleAudited;
    private int inflight;
    private volatile boolean sessionExpiryCapped;

    MqttFrameGuard(ConnectionGuards guards, X509Certificate peer, String remote) {
        this.guards = guards;
        this.limits = guards.limits();
        this.remote = remote;
        this.service = peer != null && guards.isService(Certificates.fingerprint(peer));
        this.device = peer == null ? "(no certificate)"
                : Certificates.commonName(peer).orElse(peer.getSubjectX500Principal().getName());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.cumulation = ctx.alloc().heapBuffer(SMALL);
        this.deviceCounted = !service && guards.acquireDevice(device);
        this.connectDeadline = ctx.executor().schedule(this::connectTimedOut, limits.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!closing && !released) {
                cumulation.writeBytes(bytes);
            }
        } finally {
            bytes.release();
        }
        drain();
    }

    /** Passes on every complete frame that may go now; stops reading while a publish has to wait. */
    private void drain() {
        try {
            while (!closing && !released && cumulation.readableBytes() >= 2) {
                int first = cumulation.getUnsignedByte(cumulation.readerIndex());
                int type = first >> 4;
                if (!connected && first != (MqttFrames.CONNECT << 4)) {
                    violation(ProtocolViolation.NOT_MQTT, "first byte 0x" + Integer.toHexString(first));
                    return;
                }
                int remaining = MqttFrames.remainingLength(cumulation);
                if (remaining == MqttFrames.NEED_MORE) {
                    break;
                }
                if (remaining == MqttFrames.MALFORMED) {
                    violation(ProtocolViolation.MALFORMED_REMAINING_LENGTH, "packet type " + type);
                    return;
                }
                if (remaining > limits.maxPacketSize()) {
                    violation(ProtocolViolation.PACKET_TOO_LARGE, remaining + " bytes announced, limit " + limits.maxPacketSize());
                    return;
                }
                int total = 1 + MqttFrames.lengthBytes(remaining) + remaining;
                if (cumulation.readableBytes() < total) {
                    break;                          // at most maxPacketSize is ever held for one frame
                }
                if (connected && type == MqttFrames.CONNECT) {
                    violation(ProtocolViolation.SECOND_CONNECT, null);
                    return;
                }
                int qos = (first >> 1) & 0x03;
                if (type == MqttFrames.PUBLISH && !service && mustWait(qos)) {
                    pauseReading();
                    return;
                }
                // a copy, not a slice: the broker keeps parts of a frame (a payload) after this returns
                ByteBuf frame = cumulation.readBytes(total);
                if (!admitted(frame, type, first & 0x0F)) {
                    frame.release();
                    return;
                }
                if (type == MqttFrames.PUBLISH && qos > 0 && !service) {
                    inflight++;
                }
                ctx.fireChannelRead(frame);
                if (type == MqttFrames.CONNECT && ctx.pipeline().get(MqttDecoder.class) == null) {
                    // the broker's protocol detection did not take it for MQTT; it would buffer whatever followed
                    violation(ProtocolViolation.NOT_MQTT, "CONNECT not recognised as MQTT");
                    return;
                }
            }
            if (!closing && !released) {
                compact();
                resumeReading();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing {} ({}): the frame guard failed: {}", remote, device, e.toString());
            close(null);
        }
    }

    /** Keeps only what is unread; gives back the room a large frame took once it has gone. */
    private void compact() {
        if (!cumulation.isReadable() && cumulation.capacity() > SMALL) {
            cumulation.release();
            cumulation = ctx.alloc().heapBuffer(SMALL);
        } else {
            cumulation.discardSomeReadBytes();
        }
    }

    /** The checks a whole frame must pass before the broker sees it; false when the connection is being closed. */
    private boolean admitted(ByteBuf frame, int type, int flags) {
        if (type != MqttFrames.CONNECT) {
            ProtocolViolation v = MqttFrames.check(frame, type, flags, level, limits.maxTopicLevels());
            if (v != null) {
                violation(v, "packet type " + type);
                return false;
            }
            return true;
        }
        connectDeadline.cancel(false);
        MqttFrames.Connect c = MqttFrames.connect(frame);
        if (c == null) {
            violation(ProtocolViolation.NOT_MQTT, "a CONNECT that does not name MQTT, or cannot be read");
            return false;
        }
        level = c.level();
        String clientId = c.clientId();
        if (c.violation() == ProtocolViolation.DUPLICATE_PROPERTY) {
            return refuse(RefusalReason.DUPLICATE_PROPERTY, clientId, 0x82);
        }
        if (c.violation() != null) {
            return refuse(RefusalReason.MALFORMED_CONNECT, clientId, 0x81);
        }
        if (!service) {
            if (!deviceCounted) {
                return refuse(RefusalReason.TOO_MANY_DEVICE_CONNECTIONS, clientId, 0x97);
            }
            if (!guards.acquireConnection()) {
                return refuse(RefusalReason.TOO_MANY_CONNECTIONS, clientId, 0x89);
            }
            connectionCounted = true;
            throttle = new PublishThrottle(limits.publishesPerSecond(), limits.publishBurst(), limits.floodTime(), System.nanoTime());
        }
        connected = true;
        return true;
    }

    /** True when this publish may not go yet; arranges for the guard to look again when it may. */
    private boolean mustWait(int qos) {
        if (wakeUp != null && !wakeUp.isDone()) {
            return true;
        }
        if (qos > 0 && inflight >= limits.inflightPublishes()) {
            waitingForAck = true;
            return true;
        }
        long now = System.nanoTime();
        long wait = throttle.take(now);
        if (wait == 0) {
            return false;
        }
        if (!throttleAudited) {
            throttleAudited = true;
            guards.throttled(device, remote);
        }
        if (throttle.throttled(now)) {
            guards.flood(device, remote, throttle.streak(now));
            LOG.warn("disconnecting {} ({}): publishing beyond its allowance for {} s", device, remote,
                    throttle.streak(now).toSeconds());
            close(level == MqttFrames.MQTT_5 ? MqttRefusals.disconnect(ProtocolViolation.PUBLISH_FLOOD) : null);
            return true;
        }
        wakeUp = ctx.executor().schedule(this::wake, wait, TimeUnit.NANOSECONDS);
        return true;
    }

    /** The token a waiting publish needs is there. */
    private void wake() {
        wakeUp = null;                              // this task is not "done" while it runs: forget it first
        drain();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes && !service) {
            outbound.scan(bytes, type -> {
                // a QoS 1 publish is done at PUBACK; a QoS 2 one is stored at PUBREC (waiting for its PUBREL must
                // not count, or a paused reader could never read that PUBREL)
                if ((type == MqttFrames.PUBACK || type == MqttFrames.PUBREC) && inflight > 0) {
                    inflight--;
                    if (waitingForAck) {
                        waitingForAck = false;
                        ctx.executor().execute(this::drain);
                    }
                }
            });
        }
        ctx.write(msg, promise);
    }

    private void connectTimedOut() {
        if (!connected && !closing && !released) {
            guards.refused(device, null, remote, RefusalReason.CONNECT_TIMEOUT, level);
            close(null);
        }
    }

    private boolean refuse(RefusalReason reason, String clientId, int mqtt5Code) {
        guards.refused(device, clientId, remote, reason, level);
        close(MqttRefusals.connack(level, mqtt5Code, reason.text()));
        return false;
    }

    private void violation(ProtocolViolation v, String detail) {
        guards.violation(device, remote, v, detail);
        LOG.debug("closing {} ({}): {} {}", remote, device, v.code(), detail);
        close(connected && level == MqttFrames.MQTT_5 ? MqttRefusals.disconnect(v) : null);
    }

    private void close(byte[] lastPacket) {
        if (closing) {
            return;
        }
        closing = true;
        cancelTimers();
        if (lastPacket == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(lastPacket)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void pauseReading() {
        if (!paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (paused) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void cancelTimers() {
        if (connectDeadline != null) {
            connectDeadline.cancel(false);
        }
        if (wakeUp != null) {
            wakeUp.cancel(false);
        }
    }

    BrokerLimits limits() {
        return limits;
    }

    boolean isService() {
        return service;
    }

    /** The CONNECT's protocol level (3, 4 or 5), 0 before it. */
    int protocolLevel() {
        return level;
    }

    void sessionExpiryCapped() {
        sessionExpiryCapped = true;
    }

    boolean isSessionExpiryCapped() {
        return sessionExpiryCapped;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (released) {
            return;
        }
        released = true;
        cancelTimers();
        if (cumulation != null) {
            cumulation.release();
        }
        if (deviceCounted) {
            guards.releaseDevice(device);
        }
        if (connectionCounted) {
            guards.releaseConnection();
        }
    }
}
