package io.deviceguard.broker;

import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerConnectionPlugin;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/** Broker plugin: tells the security manager when a connection is gone, so the disconnect is audited. */
final class DisconnectAudit implements ActiveMQServerConnectionPlugin {

    private final DeviceSecurityManager securityManager;

    DisconnectAudit(DeviceSecurityManager securityManager) {
        this.securityManager = securityManager;
    }

    @Override
    public void afterDestroyConnection(RemotingConnection connection) {
        securityManager.connectionDestroyed(connection);
    }
}
