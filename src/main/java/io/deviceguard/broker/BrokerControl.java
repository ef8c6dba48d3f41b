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

    /**
     * When the live connection of each of {@code clientIds} that has one was opened. One pass over the broker's
     * connections however many IDs are asked for: the command sweep asks for every late execution of a rollout at once.
     */
    public java.util.Map<String, java.time.Instant> connectedSince(java.util.Set<String> clientIds) {
        java.util.Map<String, java.time.Instant> since = new java.util.HashMap<>();
        if (clientIds.isEmpty()) {
            return since;
        }
        for (RemotingConnection c : server.getRemotingService().getConnections()) {
            String id = c.getClientID();
            if (id != null && clientIds.contains(id)) {
                since.put(id, java.time.Instant.ofEpochMilli(c.getCreationTime()));
            }
        }
        return since;
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
