package io.deviceguard.broker;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptor;
import org.apache.activemq.artemis.core.server.cluster.ClusterConnection;
import org.apache.activemq.artemis.core.server.metrics.MetricsManager;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.apache.activemq.artemis.spi.core.remoting.AcceptorFactory;
import org.apache.activemq.artemis.spi.core.remoting.BufferHandler;
import org.apache.activemq.artemis.spi.core.remoting.ServerConnectionLifeCycleListener;

/**
 * Artemis's Netty acceptor, unchanged, except that each TLS handshake that fails is audited with its reason.
 * Without this, a client with no certificate, a foreign CA or plain TCP would be refused without a trace.
 */
public final class AuditingAcceptorFactory implements AcceptorFactory {

    @Override
    public Acceptor createAcceptor(String name, ClusterConnection clusterConnection, Map<String, Object> configuration,
                                   BufferHandler handler, ServerConnectionLifeCycleListener listener, Executor threadPool,
                                   ScheduledExecutorService scheduledThreadPool, Map<String, ProtocolManager> protocolMap,
                                   String securityDomain, MetricsManager metricsManager) {
        HandshakeAudit audit = HandshakeAudit.lookup(configuration.get(HandshakeAudit.PARAM));
        return new AuditingAcceptor(name, clusterConnection, configuration, handler, listener, scheduledThreadPool,
                threadPool, protocolMap, securityDomain, metricsManager, audit);
    }

    /** The acceptor: adds a listener to each connection's handshake. */
    static final class AuditingAcceptor extends NettyAcceptor {
        private final HandshakeAudit audit;

        AuditingAcceptor(String name, ClusterConnection clusterConnection, Map<String, Object> configuration,
                         BufferHandler handler, ServerConnectionLifeCycleListener listener,
                         ScheduledExecutorService scheduledThreadPool, Executor threadPool,
                         Map<String, ProtocolManager> protocolMap, String securityDomain, MetricsManager metricsManager,
                         HandshakeAudit audit) {
            super(name, clusterConnection, configuration, handler, listener, scheduledThreadPool, threadPool,
                    protocolMap, securityDomain, metricsManager);
            this.audit = audit;
        }

        @Override
        public SslHandler getSslHandler(ByteBufAllocator alloc, String peerHost, int peerPort) throws Exception {
            SslHandler ssl = super.getSslHandler(alloc, peerHost, peerPort);
            if (audit != null) {
                String remote = peerHost + ":" + peerPort;
                ssl.handshakeFuture().addListener(f -> {
                    if (!f.isSuccess()) {
                        audit.failed(remote, f.cause());
                    }
                });
            }
            return ssl;
        }
    }
}
