package io.deviceguard.broker;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.paging.PagingStore;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.settings.HierarchicalRepository;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker plugin: audits each message the per-device command cap drops. broker.xml caps {@code devices/{id}/commands}
 * at {@code deviceguard.limits.queuedCommandsPerDevice} messages with the DROP policy, which Artemis applies
 * silently (the publisher is acknowledged either way); this records every message that arrives while the device's
 * queue is full, so a dropped command is never a silent one.
 */
final class CommandQueueCap implements ActiveMQServerMessagePlugin {

    private static final Logger LOG = LoggerFactory.getLogger(CommandQueueCap.class);
    private static final Pattern COMMANDS = Pattern.compile("devices/([^/]+)/commands");
    private static final SimpleString DEVICES = SimpleString.of("devices.");

    private final AuditLog audit;
    private final int cap;
    /** An address "devices.*.commands" matches, whose settings every device's command address must have. */
    private static final String TEMPLATE = "devices.x.commands";
    private final Set<String> escapedDone = ConcurrentHashMap.newKeySet();
    private volatile ActiveMQServer server;

    CommandQueueCap(AuditLog audit, int cap) {
        this.audit = audit;
        this.cap = cap;
    }

    @Override
    public void registered(ActiveMQServer server) {
        this.server = server;
    }

    /** Gives a commands address whose device ID holds an escaped '.' the settings "devices.*.commands" has. */
    private void capEscaped(String address) {
        if (escapedDone.add(address)) {
            HierarchicalRepository<AddressSettings> repo = server.getAddressSettingsRepository();
            repo.addMatch(address, repo.getMatch(TEMPLATE));
        }
    }

    @Override
    public void beforeMessageRoute(Message message, RoutingContext context, boolean direct, boolean rejectDuplicates) {
        SimpleString address = message.getAddressSimpleString();
        if (server == null || address == null || !address.startsWith(DEVICES) || !address.toString().endsWith(".commands")) {
            return;                                 // telemetry, events, status: nothing queues for a device there
        }
        String topic = TopicAcl.mqttTopic(address.toString());
        Matcher m = COMMANDS.matcher(topic);
        if (!m.matches()) {
            return;
        }
        try {
            if (address.contains('\\')) {
                capEscaped(address.toString());
            }
            PagingStore store = server.getPagingManager().getPageStore(address);
            if (store != null && store.isFull()
                    && store.getAddressFullMessagePolicy() == AddressFullMessagePolicy.DROP) {
                audit.record(AuditEvent.of(AuditCategory.MESSAGE, "command-dropped")
                        .failed()
                        .target(topic)
                        .detail("device", m.group(1))
                        .detail("reason", "queue_full")
                        .detail("message", "the device's command queue holds its maximum; the broker dropped this message")
                        .detail("limit", cap)
                        .detail("queued", store.getAddressElements())
                        .build());
            }
        } catch (Exception e) {
            LOG.warn("could not check the command queue of {}: {}", topic, e.toString());
        }
    }
}
