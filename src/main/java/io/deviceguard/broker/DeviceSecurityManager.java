package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.protocol.mqtt.exceptions.InvalidClientIdException;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.RolePrincipal;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;
import org.apache.activemq.artemis.utils.CertificateUtil;

/**
 * Artemis's view of who may connect and what they may touch. Authentication is the client certificate alone
 * (user names and passwords are ignored); every decision, allowed or not, is audited. The broker's authentication
 * and authorization caches are switched off (see {@link EmbeddedBroker}) so that each CONNECT sees the registry as
 * it is now and each client ID is checked against its own certificate.
 */
public final class DeviceSecurityManager implements ActiveMQSecurityManager5 {

    private final ConnectPolicy policy;
    private final AuditLog audit;
    /** Artemis authenticates every session a connection opens; the connection is decided (and audited) once. */
    private final Map<Object, Subject> decided = new ConcurrentHashMap<>();

    public DeviceSecurityManager(ConnectPolicy policy, AuditLog audit) {
        this.policy = policy;
        this.audit = audit;
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        Subject known = decided.get(connection.getID());
        if (known != null) {
            return known;
        }
        String clientId = connection.getClientID();
        String remote = connection.getRemoteAddress();
        ConnectPolicy.Decision d = policy.decide(CertificateUtil.getCertsFromConnection(connection), clientId, Instant.now());
        if (!d.allowed()) {
            audit.record(AuditEvent.of(AuditCategory.CONNECTION, "connect")
                    .device(d.subject() == null ? "(no certificate)" : d.subject())
                    .denied()
                    .target(clientId)
                    .detail("reason", d.refusal().code())
                    .detail("message", d.refusal().text())
                    .detail("remote", remote)
                    .detail("protocol", connection.getProtocolName())
                    .build());
            if (d.refusal() == RefusalReason.CLIENT_ID_MISMATCH) {
                // Artemis answers this with "client identifier not valid" (MQTT 5: 0x85, 3.1.1: 0x02)
                throw new InvalidClientIdException();
            }
            return null;
        }
        Identity id = d.identity();
        audit.record(AuditEvent.of(AuditCategory.CONNECTION, "connect")
                .actor(id.role() == Identity.Role.DEVICE ? AuditEvent.ActorType.DEVICE : AuditEvent.ActorType.SYSTEM, id.name())
                .target(clientId)
                .detail("remote", remote)
                .detail("role", id.role().name().toLowerCase())
                .build());
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(id.name()));
        subject.getPrincipals().add(new RolePrincipal(id.role().name().toLowerCase()));
        decided.put(connection.getID(), subject);
        return subject;
    }

    /** Called when any connection ends (see {@link DisconnectAudit}): audits an authenticated client's disconnect. */
    void connectionDestroyed(RemotingConnection connection) {
        Identity id = identity(decided.remove(connection.getID()));
        if (id != null) {
            audit.record(AuditEvent.of(AuditCategory.CONNECTION, "disconnect")
                    .actor(id.role() == Identity.Role.DEVICE ? AuditEvent.ActorType.DEVICE : AuditEvent.ActorType.SYSTEM, id.name())
                    .target(connection.getClientID())
                    .detail("remote", connection.getRemoteAddress())
                    .build());
        }
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        Identity id = identity(subject);
        if (id != null && TopicAcl.allows(id, checkType, address)) {
            return true;
        }
        audit.record(AuditEvent.of(AuditCategory.ACL, actionOf(checkType))
                .device(id == null ? "(unauthenticated)" : id.name())
                .denied()
                .target(TopicAcl.mqttTopic(address))
                .detail("check", checkType.name())
                .detail("address", address)
                .build());
        return false;
    }

    private static String actionOf(CheckType t) {
        return switch (t) {
            case SEND -> "publish";
            case CONSUME, CREATE_DURABLE_QUEUE, CREATE_NON_DURABLE_QUEUE -> "subscribe";
            case DELETE_DURABLE_QUEUE, DELETE_NON_DURABLE_QUEUE -> "unsubscribe";
            default -> t.name().toLowerCase();
        };
    }

    static Identity identity(Subject subject) {
        if (subject == null) {
            return null;
        }
        String user = null;
        String role = null;
        for (Principal p : subject.getPrincipals()) {
            if (p instanceof UserPrincipal) {
                user = p.getName();
            } else if (p instanceof RolePrincipal) {
                role = p.getName();
            }
        }
        if (user == null || role == null) {
            return null;
        }
        return new Identity(user, "service".equals(role) ? Identity.Role.SERVICE : Identity.Role.DEVICE);
    }

    @Override
    public boolean validateUser(String user, String password) {
        return false;
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        return false;
    }
}
