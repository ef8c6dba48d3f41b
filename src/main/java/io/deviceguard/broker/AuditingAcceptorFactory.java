package io.deviceguard.broker;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptor;
import org.apache.activemq.artemis.core.server.cluster.ClusterConnection;
import org.apache.activemq.artemis.core.server.metrics.MetricsManager;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.apache.activemq.artemis.spi.core.remoting.AcceptorFactory;
import org.apache.activemq.artemis.spi.core.remoting.BufferHandler;
import org.apache.activemq.artemis.spi.core.remoting.ServerConnectionLifeCycleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artemis's Netty acceptor, unchanged, except that each TLS handshake that fails is audited with its reason, and
 * each one that succeeds gets a {@link MqttFrameGuard} between TLS and the broker's MQTT decoder. Without this, a
 * client with no certificate, a foreign CA or plain TCP would be refused without a trace, and a client with a good
 * certificate could make the broker buffer whatever it sent before a CONNECT.
 */
public final class AuditingAcceptorFactory implements AcceptorFactory {

    @Override
    public Acceptor createAcceptor(String name, ClusterConnection clusterConnection, Map<String, Object> configuration,
                                   BufferHandler handler, ServerConnectionLifeCycleListener listener, Executor threadPool,
                                   ScheduledExecutorService scheduledThreadPool, Map<String, ProtocolManager> protocolMap,
                                   String securityDomain, MetricsManager metricsManager) {
        HandshakeAudit audit = HandshakeAudit.lookup(configuration.get(HandshakeAudit.PARAM));
        ConnectionGuards guards = ConnectionGuards.lookup(configuration.get(ConnectionGuards.PARAM));
        return new AuditingAcceptor(name, clusterConnection, configuration, handler, listener, scheduledThreadPool,
                threadPool, protocolMap, securityDomain, metricsManager, audit, guards);
    }

    /** The acceptor: adds a listener to each connection's handshake. */
    static final class AuditingAcceptor extends NettyAcceptor {
        private static final Logger LOG = LoggerFactory.getLogger(AuditingAcceptor.class);
        private final HandshakeAudit audit;
        private final ConnectionGuards guards;
        private final String listener;

        AuditingAcceptor(String name, ClusterConnection clusterConnection, Map<String, Object> configuration,
                         BufferHandler handler, ServerConnectionLifeCycleListener listener,
                         ScheduledExecutorService scheduledThreadPool, Executor threadPool,
                         Map<String, ProtocolManager> protocolMap, String securityDomain, MetricsManager metricsManager,
                         HandshakeAudit audit, ConnectionGuards guards) {
            super(name, clusterConnection, configuration, handler, listener, scheduledThreadPool, threadPool,
                    protocolMap, securityDomain, metricsManager);
            this.audit = audit;
            this.guards = guards;
            this.listener = name;
        }

        @Override
        public SslHandler getSslHandler(ByteBufAllocator alloc, String peerHost, int peerPort) throws Exception {
            SslHandler ssl = super.getSslHandler(alloc, peerHost, peerPort);
            String remote = peerHost + ":" + peerPort;
            ssl.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    if (audit != null) {
                        audit.failed(listener, remote, f.cause());
                    }
                } else if (guards != null) {
                    // SslHandler tells of the handshake before it passes on any application data, on the event
                    // loop: the guard is in place before the first MQTT byte arrives
                    guard((Channel) f.getNow(), ssl, remote);
                }
            });
            return ssl;
        }

        private void guard(Channel channel, SslHandler ssl, String remote) {
            try {
                java.security.cert.Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
                X509Certificate leaf = peer.length > 0 && peer[0] instanceof X509Certificate x ? x : null;
                channel.pipeline().addAfter(channel.pipeline().context(ssl).name(), MqttFrameGuard.NAME,
                        new MqttFrameGuard(guards, leaf, remote));
            } catch (SSLPeerUnverifiedException | RuntimeException e) {
                // never let an unguarded connection through
                LOG.warn("closing {}: its connection guard could not be set up: {}", remote, e.toString());
                channel.close();
            }
        }
    }
}
