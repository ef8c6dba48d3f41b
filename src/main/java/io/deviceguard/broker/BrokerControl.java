package io.deviceguard.broker;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/** What the routes may ask of the broker: close a device's live connections. */
public final class BrokerControl implements io.deviceguard.device.DeviceLifecycle.LiveSessions {

    private final ActiveMQServer server;

    public BrokerControl(ActiveMQServer server) {
        this.server = server;
    }

    /** When the live connection of {@code clientId} was opened, if it has one. */
    public java.util.Optional<java.time.Instant> connectedSince(String clientId) {
        for (RemotingConnection c : server.getRemotingService().getConnections()) {
            if (clientId.equals(c.getClientID())) {
                return java.util.Optional.of(java.time.Instant.ofEpochMilli(c.getCreationTime()));
            }
        }
        return java.util.Optional.empty();
    }

    /** Closes every connection whose client certificate {@code ca} signed; returns how many were closed. */
    @Override
    public int disconnectIssuedBy(java.security.cert.X509Certificate ca, String why) {
        int closed = 0;
        for (RemotingConnection c : server.getRemotingService().getConnections()) {
            java.security.cert.X509Certificate[] chain = org.apache.activemq.artemis.utils.CertificateUtil.getCertsFromConnection(c);
            if (chain == null || chain.length == 0 || !chain[0].getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                continue;
            }
            try {
                chain[0].verify(ca.getPublicKey());
            } catch (java.security.GeneralSecurityException e) {
                continue;
            }
            c.fail(new ActiveMQException(ActiveMQExceptionType.SECURITY_EXCEPTION, "disconnected by deviceguard: " + why));
            closed++;
        }
        return closed;
    }

    /** Closes every connection whose client ID is {@code deviceId}; returns how many were closed. */
    @Override
    public int disconnect(String deviceId, String why) {
        int closed = 0;
        for (RemotingConnection c : server.getRemotingService().getConnections()) {
            if (deviceId.equals(c.getClientID())) {
                c.fail(new ActiveMQException(ActiveMQExceptionType.SECURITY_EXCEPTION, "disconnected by deviceguard: " + why));
                closed++;
            }
        }
        return closed;
    }
}
