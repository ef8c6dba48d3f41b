package io.deviceguard.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * Stamps every published message with who published it, as the MQTT 5 user property {@value #PROPERTY} (the
 * authenticated identity of the publishing connection), and with an identity of its own, {@value #INGRESS} (a
 * random UUID): the broker delivering one message twice (after a crash) shows the same stamp twice, a device
 * publishing the same bytes twice does not. Any {@code dg-*} user property a client sent is removed first, so the
 * stamps cannot be forged; the routes' integrity-identity step compares the publisher with the topic's device.
 * Artemis keeps MQTT 5 user properties as ordered message properties ({@code mqtt.ordered.user.property.N.KEY}).
 */
final class PublisherStamp implements ActiveMQServerMessagePlugin {

    static final String PROPERTY = "dg-publisher";
    static final String INGRESS = "dg-ingress";
    private static final String EXISTS = "mqtt.user.property.exists";
    private static final String PREFIX = "mqtt.ordered.user.property.";
    private static final SimpleString MQTT_QOS = SimpleString.of("mqtt.qos.level");

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue) {
        if (session == null || session.getValidatedUser() == null || !message.containsProperty(MQTT_QOS)) {
            return;
        }
        if (BrokerCluster.CLUSTER_USER.equals(session.getValidatedUser())) {
            // a message a cluster peer forwards (as the cluster user) was stamped on the node the device published to
            return;
        }
        List<Map.Entry<String, String>> kept = new ArrayList<>();
        List<SimpleString> remove = new ArrayList<>();
        for (SimpleString name : message.getPropertyNames()) {
            String n = name.toString();
            if (n.startsWith(PREFIX)) {
                remove.add(name);
                String rest = n.substring(PREFIX.length());
                int dot = rest.indexOf('.');
                String key = dot < 0 ? rest : rest.substring(dot + 1);
                int index = dot < 0 ? 0 : parse(rest.substring(0, dot));
                if (!key.startsWith("dg-")) {
                    kept.add(Map.entry(String.format("%08d", index) + key, message.getStringProperty(name)));
                }
            }
        }
        remove.forEach(message::removeProperty);
        kept.sort(Map.Entry.comparingByKey());
        int i = 0;
        for (Map.Entry<String, String> e : kept) {
            message.putStringProperty(PREFIX + i++ + "." + e.getKey().substring(8), e.getValue());
        }
        message.putStringProperty(PREFIX + i++ + "." + PROPERTY, session.getValidatedUser());
        message.putStringProperty(PREFIX + i++ + "." + INGRESS, UUID.randomUUID().toString());
        message.putIntProperty(EXISTS, i);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
