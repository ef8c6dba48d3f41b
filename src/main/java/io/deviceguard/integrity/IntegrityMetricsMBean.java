package io.deviceguard.integrity;

import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ObjectName;

/**
 * The integrity counters as a JMX MBean ({@code io.deviceguard:type=Integrity,node=NODE}): one read-only attribute
 * per counter ({@code accepted}, {@code rejected.bad_signature}, ...), for JConsole, Hawtio and Jolokia.
 */
public final class IntegrityMetricsMBean implements DynamicMBean {

    private final IntegrityMetrics metrics;

    private IntegrityMetricsMBean(IntegrityMetrics metrics) {
        this.metrics = metrics;
    }

    /** Registers the MBean; returns its name, for unregistering. */
    public static ObjectName register(IntegrityMetrics metrics, String node) {
        try {
            ObjectName name = new ObjectName("io.deviceguard:type=Integrity,node=" + ObjectName.quote(node));
            if (ManagementFactory.getPlatformMBeanServer().isRegistered(name)) {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            }
            ManagementFactory.getPlatformMBeanServer().registerMBean(new IntegrityMetricsMBean(metrics), name);
            return name;
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the integrity metrics MBean: " + e.getMessage(), e);
        }
    }

    public static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (Exception ignored) {
            // already gone
        }
    }

    @Override
    public Object getAttribute(String attribute) {
        Long v = metrics.snapshot().get(attribute);
        if (v == null) {
            throw new IllegalArgumentException("no attribute " + attribute);
        }
        return v;
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        Map<String, Long> snap = metrics.snapshot();
        for (String a : attributes) {
            if (snap.containsKey(a)) {
                list.add(new Attribute(a, snap.get(a)));
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) {
        throw new UnsupportedOperationException("read-only");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException("no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanAttributeInfo[] attrs = metrics.snapshot().keySet().stream()
                .map(k -> new MBeanAttributeInfo(k, "java.lang.Long", "messages counted as " + k, true, false, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(getClass().getName(), "Device message integrity: accepted and rejected by reason", attrs,
                null, null, null);
    }
}
