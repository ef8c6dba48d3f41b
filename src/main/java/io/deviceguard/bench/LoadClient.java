package io.deviceguard.bench;

import io.deviceguard.sdk.DeviceIdentity;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The benchmark's device side: thousands of MQTT 3.1.1 connections over mutual TLS on a couple of Netty event-loop
 * threads (a paho client per device would need three threads each). Each connection presents its device's own
 * certificate, trusts only the server CA, and publishes QoS 1 messages the caller prepared (signed envelopes).
 * TLS is BoringSSL when netty-tcnative loads, else the JDK's, so that the load generator costs less than what it loads.
 */
final class LoadClient implements AutoCloseable {

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;

    LoadClient(int threads) {
        if (Epoll.isAvailable()) {
            group = new EpollEventLoopGroup(threads);
            channelType = EpollSocketChannel.class;
        } else {
            group = new NioEventLoopGroup(threads);
            channelType = NioSocketChannel.class;
        }
    }

    static String tlsProvider() {
        return OpenSsl.isAvailable() ? "OPENSSL (netty-tcnative BoringSSL)" : "JDK";
    }

    static SslContext tls(DeviceIdentity id) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    // cached: the TLS engine takes the key and chain into its native form once, not at each handshake
                    .keyManager(new io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory(new DeviceKeyFactory(id)))
                    .trustManager(id.serverCa())
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("TLS context of " + id.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Presents one device's key and chain to the TLS engine as they are in memory. Given the key itself, Netty first
     * puts it into a PKCS#12 key store and reads it back, each time through 10,000 rounds of PBKDF2: about 30 ms of CPU
     * per device, five minutes for 10,000 devices, for a store no one keeps.
     */
    private static final class DeviceKeyFactory extends io.netty.handler.ssl.util.SimpleKeyManagerFactory {
        private final javax.net.ssl.KeyManager[] managers;

        DeviceKeyFactory(DeviceIdentity id) {
            this.managers = new javax.net.ssl.KeyManager[] {new io.deviceguard.pki.FixedKeyManager(id.key(), id.chain())};
        }

        @Override
        protected void engineInit(java.security.KeyStore keyStore, char[] password) {
            // the key is given at construction
        }

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters parameters) {
            // the key is given at construction
        }

        @Override
        protected javax.net.ssl.KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }

    /**
     * How long a device waits for its connection (TCP, TLS handshake and CONNACK) before it gives up on the attempt:
     * the SDK's (DeviceClient, paho's connection timeout of 30 s). Netty's own default for the TLS handshake is 10 s, so
     * devices of the bench used to give up three times sooner than the devices they stand for.
     */
    static final int CONNECT_TIMEOUT_SECONDS = 30;

    /**
     * Connects {@code clientId} (CONNECT, waits for CONNACK accepted), one attempt; {@code onMessage} hears every PUBLISH
     * the broker sends (topic, payload), which is acknowledged after it returns.
     */
    CompletableFuture<Conn> connect(String host, int port, SslContext tls, String clientId, boolean cleanSession,
                                    BiConsumer<String, byte[]> onMessage) {
        Conn conn = new Conn(clientId, cleanSession, onMessage);
        new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_SECONDS * 1000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc(), host, port);
                        ssl.setHandshakeTimeoutMillis(CONNECT_TIMEOUT_SECONDS * 1000L);
                        ch.pipeline().addLast(ssl,
                                new MqttDecoder(1 << 20), MqttEncoder.INSTANCE,
                                new io.netty.handler.timeout.IdleStateHandler(0, PING_SECONDS, 0), conn);
                        io.netty.util.concurrent.ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> {
                            if (conn.connected.completeExceptionally(new IllegalStateException(
                                    clientId + ": no CONNACK within " + CONNECT_TIMEOUT_SECONDS + " s"))) {
                                ch.close();
                            }
                        }, CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        // not kept for 30 s once the attempt has its outcome (10,000 connects, 10,000 timers)
                        conn.connected.whenComplete((c, e) -> deadline.cancel(false));
                    }
                })
                .connect(host, port).addListener(f -> {
                    if (!f.isSuccess()) {
                        conn.connected.completeExceptionally(f.cause());
                    }
                });
        return conn.connected;
    }

    /**
     * A round of connects that retry as the SDK's devices do when they reconnect by themselves (DeviceClient given the
     * nodes of a cluster: paho's automatic reconnect, 1 s after a failed attempt, doubling up to 5 s) until
     * {@code deadlineNanos}; what failed on the way is counted, not hidden.
     */
    static final class Retries {
        final long deadlineNanos;
        final AtomicInteger failedAttempts = new AtomicInteger();
        final AtomicInteger devicesRetried = new AtomicInteger();
        final Map<String, AtomicInteger> causes = new ConcurrentHashMap<>();

        Retries(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        void failed(Throwable cause, boolean first) {
            failedAttempts.incrementAndGet();
            if (first) {
                devicesRetried.incrementAndGet();
            }
            causes.computeIfAbsent(kind(cause), k -> new AtomicInteger()).incrementAndGet();
        }

        /** The cause without the device's name, so that like failures count together. */
        static String kind(Throwable e) {
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            String m = String.valueOf(c.getMessage());
            int colon = m.indexOf(": ");
            if (c instanceof IllegalStateException && colon > 0) {
                m = m.substring(colon + 2);
            }
            return c.getClass().getSimpleName() + ": " + m;
        }

        /** Failed attempts by cause, most frequent first. */
        Map<String, Integer> causes() {
            Map<String, Integer> m = new java.util.LinkedHashMap<>();
            causes.entrySet().stream().sorted((a, b) -> b.getValue().get() - a.getValue().get())
                    .forEach(e -> m.put(e.getKey(), e.getValue().get()));
            return m;
        }
    }

    static final long FIRST_RETRY_MILLIS = 1_000;
    static final long MAX_RETRY_MILLIS = 5_000;

    /** {@link #connect}, again after 1, 2, 4, 5, 5 ... s while it fails and the round's deadline allows. */
    CompletableFuture<Conn> connectRetrying(String host, int port, SslContext tls, String clientId, boolean cleanSession,
                                            BiConsumer<String, byte[]> onMessage, Retries retries) {
        CompletableFuture<Conn> result = new CompletableFuture<>();
        attempt(host, port, tls, clientId, cleanSession, onMessage, retries, result, FIRST_RETRY_MILLIS, true);
        return result;
    }

    private void attempt(String host, int port, SslContext tls, String clientId, boolean cleanSession,
                         BiConsumer<String, byte[]> onMessage, Retries retries, CompletableFuture<Conn> result,
                         long backoffMillis, boolean first) {
        connect(host, port, tls, clientId, cleanSession, onMessage).whenComplete((c, e) -> {
            if (e == null) {
                result.complete(c);
                return;
            }
            retries.failed(e, first);
            if (System.nanoTime() + backoffMillis * 1_000_000 >= retries.deadlineNanos) {
                result.completeExceptionally(e);
                return;
            }
            group.schedule(() -> attempt(host, port, tls, clientId, cleanSession, onMessage, retries, result,
                    Math.min(backoffMillis * 2, MAX_RETRY_MILLIS), false), backoffMillis, TimeUnit.MILLISECONDS);
        });
    }

    /**
     * The keep-alive a device asks for. The broker closes a connection silent for 1.5 times its own keep-alive
     * (deviceguard.mqtt.serverKeepAliveSeconds, 60 by default): an idle device pings, as a real client does, so that
     * devices connected at the start of a long run are still there at its end.
     */
    static final int KEEP_ALIVE_SECONDS = 60;
    private static final int PING_SECONDS = KEEP_ALIVE_SECONDS / 2;

    /** One device connection. Publishes may come from any thread. */
    static final class Conn extends SimpleChannelInboundHandler<MqttMessage> {
        final String clientId;
        private final boolean cleanSession;
        private final BiConsumer<String, byte[]> onMessage;
        final CompletableFuture<Conn> connected = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final Map<Integer, Runnable> pendingAcks = new ConcurrentHashMap<>();
        private final Map<Integer, CompletableFuture<Void>> pendingSubs = new ConcurrentHashMap<>();
        private volatile Channel channel;
        private int nextId;

        Conn(String clientId, boolean cleanSession, BiConsumer<String, byte[]> onMessage) {
            this.clientId = clientId;
            this.cleanSession = cleanSession;
            this.onMessage = onMessage;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(cleanSession).keepAlive(KEEP_ALIVE_SECONDS).build());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof io.netty.handler.timeout.IdleStateEvent) {
                // nothing written for PING_SECONDS: a PINGREQ tells the broker this device is alive
                ctx.writeAndFlush(MqttMessage.PINGREQ);
            } else if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent h && !h.isSuccess()) {
                // the handshake's own cause (a timeout, a refusal), not the "connection closed" that follows it
                connected.completeExceptionally(new IllegalStateException(clientId + ": TLS handshake failed: " + h.cause()));
                super.userEventTriggered(ctx, event);
            } else {
                super.userEventTriggered(ctx, event);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
            MqttMessageType type = m.fixedHeader().messageType();
            switch (type) {
                case CONNACK -> {
                    MqttConnectReturnCode rc = ((MqttConnAckMessage) m).variableHeader().connectReturnCode();
                    if (rc == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                        connected.complete(this);
                    } else {
                        connected.completeExceptionally(new IllegalStateException(clientId + " refused: " + rc));
                        ctx.close();
                    }
                }
                case PUBACK -> {
                    Runnable r = pendingAcks.remove(((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
                    if (r != null) {
                        r.run();
                    }
                }
                case SUBACK -> {
                    CompletableFuture<Void> f = pendingSubs.remove(((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
                    if (f != null) {
                        f.complete(null);
                    }
                }
                case PUBLISH -> {
                    MqttPublishMessage p = (MqttPublishMessage) m;
                    byte[] body = ByteBufUtil.getBytes(p.payload());
                    if (onMessage != null) {
                        onMessage.accept(p.variableHeader().topicName(), body);
                    }
                    if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                        ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
                    }
                }
                default -> {
                    // PINGRESP and the rest need nothing
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connected.completeExceptionally(new IllegalStateException(clientId + ": connection closed"));
            closed.complete(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connected.completeExceptionally(cause);
            ctx.close();
        }

        private synchronized int nextPacketId() {
            nextId = nextId % 65535 + 1;
            return nextId;
        }

        CompletableFuture<Void> subscribe(String topic) {
            int id = nextPacketId();
            CompletableFuture<Void> f = new CompletableFuture<>();
            pendingSubs.put(id, f);
            channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(id).addSubscription(MqttQoS.AT_LEAST_ONCE, topic).build());
            return f;
        }

        /** A QoS 1 PUBLISH; {@code onAck} runs on the PUBACK. Written, flushed by {@link #flush()} or the next flush. */
        void publish(String topic, byte[] payload, Runnable onAck, boolean flush) {
            int id = nextPacketId();
            if (onAck != null) {
                pendingAcks.put(id, onAck);
            }
            ByteBuf buf = Unpooled.wrappedBuffer(payload);
            MqttPublishMessage m = MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE)
                    .messageId(id).retained(false).payload(buf).build();
            if (flush) {
                channel.writeAndFlush(m);
            } else {
                channel.write(m);
            }
        }

        void flush() {
            channel.flush();
        }

        boolean isOpen() {
            return channel != null && channel.isActive();
        }

        /** A clean DISCONNECT, then close. */
        void disconnect() {
            Channel c = channel;
            if (c != null && c.isActive()) {
                c.writeAndFlush(new MqttMessage(new io.netty.handler.codec.mqtt.MqttFixedHeader(MqttMessageType.DISCONNECT,
                        false, MqttQoS.AT_MOST_ONCE, false, 0))).addListener(f -> c.close());
            }
        }

        /** Drops the TCP connection without DISCONNECT, as a device losing its network does. */
        void drop() {
            Channel c = channel;
            if (c != null) {
                c.close();
            }
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
