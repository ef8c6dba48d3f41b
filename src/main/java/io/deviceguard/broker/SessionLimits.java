package io.deviceguard.broker;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnection;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * MQTT 5 session limits the broker does not apply by itself: a Session Expiry Interval longer than the platform's
 * maximum (in CONNECT or DISCONNECT, "never" included) is cut to it, and the CONNACK says so [MQTT-3.2.2-21]; the
 * CONNACK announces the in-flight limit as Receive Maximum, which the broker does not send. MQTT 3.1.1 sessions get
 * the maximum from the acceptor ({@code defaultMqttSessionExpiryInterval}). Registered by class name (Artemis
 * instantiates interceptors), it finds the connection's limits through the connection's {@link MqttFrameGuard}.
 */
public final class SessionLimits implements MQTTInterceptor {

    private static final int SESSION_EXPIRY = MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value();
    private static final int RECEIVE_MAXIMUM = MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value();

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        MqttFrameGuard guard = guardOf(connection);
        if (guard == null || packet.fixedHeader() == null) {
            return true;
        }
        switch (packet.fixedHeader().messageType()) {
            case CONNECT -> {
                MqttConnectMessage connect = (MqttConnectMessage) packet;
                if (connect.variableHeader().version() == MqttFrames.MQTT_5
                        && cap(connect.variableHeader().properties(), guard.limits().sessionExpirySeconds())) {
                    guard.sessionExpiryCapped();
                }
            }
            case DISCONNECT -> {
                if (packet.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
                    cap(h.properties(), guard.limits().sessionExpirySeconds());
                }
            }
            case CONNACK -> announce((MqttConnAckMessage) packet, guard);
            default -> {
                // other packets pass unchanged
            }
        }
        return true;
    }

    /** Cuts a Session Expiry Interval above {@code max} (an unsigned int: "never" is 0xFFFFFFFF) to it; true if it did. */
    private static boolean cap(MqttProperties props, int max) {
        MqttProperties.MqttProperty<?> p = props.getProperty(SESSION_EXPIRY);
        if (p == null || Integer.toUnsignedLong((Integer) p.value()) <= max || props == MqttProperties.NO_PROPERTIES) {
            return false;
        }
        props.add(new MqttProperties.IntegerProperty(SESSION_EXPIRY, max));
        return true;
    }

    private static void announce(MqttConnAckMessage connack, MqttFrameGuard guard) {
        MqttProperties props = connack.variableHeader().properties();
        if (guard.protocolLevel() != MqttFrames.MQTT_5 || props == MqttProperties.NO_PROPERTIES
                || connack.variableHeader().connectReturnCode() != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            return;
        }
        if (!guard.isService()) {
            props.add(new MqttProperties.IntegerProperty(RECEIVE_MAXIMUM, guard.limits().inflightPublishes()));
        }
        if (guard.isSessionExpiryCapped()) {
            props.add(new MqttProperties.IntegerProperty(SESSION_EXPIRY, guard.limits().sessionExpirySeconds()));
        }
    }

    private static MqttFrameGuard guardOf(RemotingConnection connection) {
        if (connection != null && connection.getTransportConnection() instanceof NettyConnection nc) {
            return nc.getChannel().pipeline().get(MqttFrameGuard.class);
        }
        return null;
    }
}
