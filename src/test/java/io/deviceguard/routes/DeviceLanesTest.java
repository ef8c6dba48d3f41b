package io.deviceguard.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Status reports: each device's messages in the order sent, different devices side by side. */
class DeviceLanesTest {

    @Test
    void eachDevicesMessagesKeepTheirOrderWhileDevicesRunSideBySide() throws Exception {
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:in").process(new DeviceLanes(8, 100, "test-lane"))
                            .process(x -> {
                                threads.add(Thread.currentThread().getName());
                                // uneven work, so that an unordered hand-off would reorder
                                Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                                String topic = x.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
                                seen.computeIfAbsent(topic.split("/")[1], k -> new CopyOnWriteArrayList<>())
                                        .add(x.getMessage().getBody(Integer.class));
                            });
                }
            });
            camel.start();
            // one thread hands the messages over in order without waiting for each, as the MQTT subscriber does
            org.apache.camel.AsyncProducer producer = camel.getEndpoint("direct:in").createAsyncProducer();
            producer.start();
            for (int i = 0; i < 50; i++) {
                for (int d = 0; d < 20; d++) {
                    org.apache.camel.Exchange x = org.apache.camel.builder.ExchangeBuilder.anExchange(camel).withBody(i)
                            .withHeader(PahoMqtt5Constants.MQTT_TOPIC, "devices/dev-" + d + "/commands/status").build();
                    producer.process(x, doneSync -> {
                        if (x.getException() != null) {
                            errors.add(x.getException());
                        }
                    });
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.values().stream().mapToInt(List::size).sum() == 1000);
        }
        assertThat(errors).isEmpty();
        assertThat(seen).hasSize(20);
        List<Integer> inOrder = java.util.stream.IntStream.range(0, 50).boxed().toList();
        seen.forEach((device, order) -> assertThat(order).as(device).isEqualTo(inOrder));
        assertThat(threads).as("devices handled on several lanes").hasSizeGreaterThan(1);
    }

    @Test
    void aDeviceAlwaysTakesTheSameLane() {
        DeviceLanes lanes = new DeviceLanes(16, 10, "test-lane");
        assertThat(lanes.laneOf("devices/dev-7/commands/status")).isEqualTo(lanes.laneOf("devices/dev-7/telemetry"));
        assertThat(lanes.laneOf(null)).isBetween(0, 15);
        assertThat(lanes.laneOf("devices/")).isBetween(0, 15);
    }
}
