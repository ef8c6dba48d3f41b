package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DeviceSecurityManager.class);
    private final ConnectPolicy policy;
    private final AuditLog audit;
    private final TakeoverWatch takeovers;
    /** Artemis authenticates every session a connection opens; the connection is decided (and audited) once. */
    private final Map<Object, Subject> decided = new ConcurrentHashMap<>();
    /** The live authenticated connection of each device ID: a second CONNECT for the ID is a takeover. */
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, String> deviceConnected = (id, fingerprint) -> { };

    private record Live(Object connectionId, String remote) {
    }

    public DeviceSecurityManager(ConnectPolicy policy, AuditLog audit, TakeoverWatch takeovers) {
        this.policy = policy;
        this.audit = audit;
        this.takeovers = takeovers;
    }

    /**
     * Called (device ID, certificate fingerprint) after each allowed device CONNECT: the device lifecycle retires the
     * certificates a rotation superseded once the new one is used.
     */
    public void onDeviceConnected(BiConsumer<String, String> listener) {
        this.deviceConnected = listener;
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        Subject known = decided.get(connection.getID());
        if (known != null) {
            return known;
        }
        String clientId = connection.getClientID();
        String remote = connection.getRemoteAddress();
        if (!"MQTT".equals(connection.getProtocolName())) {
            // cluster peers log in with the cluster password, which Artemis checks before asking us; anyone else on
            // the CORE cluster acceptor (a holder of the service certificate without the password) is refused here
            audit.record(AuditEvent.of(AuditCategory.CONNECTION, "connect")
                    .device(user == null ? "(no user)" : user)
                    .denied()
                    .target(clientId)
                    .detail("reason", RefusalReason.PROTOCOL_NOT_ALLOWED.code())
                    .detail("message", RefusalReason.PROTOCOL_NOT_ALLOWED.text())
                    .detail("remote", remote)
                    .detail("protocol", connection.getProtocolName())
                    .build());
            return null;
        }
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
                .actor(actorType(id), id.name())
                .target(clientId)
                .detail("remote", remote)
                .detail("role", id.role().name().toLowerCase())
                .build());
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(id.name()));
        subject.getPrincipals().add(new RolePrincipal(id.role().name().toLowerCase()));
        decided.put(connection.getID(), subject);
        if (id.role() != Identity.Role.SERVICE) {
            Live previous = live.put(id.name(), new Live(connection.getID(), remote));
            if (previous != null && !previous.connectionId().equals(connection.getID())) {
                // Artemis's link stealing closes the older connection [MQTT-3.1.4-3]; we record who took over from whom
                takeovers.takeover(id.name(), previous.remote(), remote, Instant.now());
            }
        }
        if (id.role() == Identity.Role.DEVICE) {
            try {
                deviceConnected.accept(id.name(), d.fingerprint());
            } catch (RuntimeException e) {
                // retiring a superseded certificate can wait for the overlap sweep; the connect itself stands
                LOG.warn("after the connect of {}: {}", id.name(), e.getMessage());
            }
        }
        return subject;
    }

    /** Called when any connection ends (see {@link DisconnectAudit}): audits an authenticated client's disconnect. */
    void connectionDestroyed(RemotingConnection connection) {
        Identity id = identity(decided.remove(connection.getID()));
        if (id != null) {
            live.computeIfPresent(id.name(), (k, v) -> v.connectionId().equals(connection.getID()) ? null : v);
            audit.record(AuditEvent.of(AuditCategory.CONNECTION, "disconnect")
                    .actor(actorType(id), id.name())
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
        return new Identity(user, switch (role) {
            case "service" -> Identity.Role.SERVICE;
            case "claim" -> Identity.Role.CLAIM;
            default -> Identity.Role.DEVICE;
        });
    }

    private static AuditEvent.ActorType actorType(Identity id) {
        return id.role() == Identity.Role.SERVICE ? AuditEvent.ActorType.SYSTEM : AuditEvent.ActorType.DEVICE;
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
