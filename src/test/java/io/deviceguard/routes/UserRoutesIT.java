package io.deviceguard.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where accepted telemetry goes is the user's YAML route: changing it changes where messages land. */
class UserRoutesIT {

    @TempDir
    Path home;

    @Test
    void anEditedYamlRouteSendsTelemetryWhereTheUserSaid() throws Exception {
        Path routes = Files.createDirectories(home.resolve("routes"));
        Files.writeString(routes.resolve("my-sinks.camel.yaml"), """
                - route:
                    id: telemetry-sink
                    from:
                      uri: direct:telemetry-accepted
                      steps:
                        - to:
                            uri: "sql:insert into ward_vitals (device_id, body) values (:#${header.DeviceGuardDeviceId}, :#${body})"
                - route:
                    id: events-sink
                    from:
                      uri: direct:events-accepted
                      steps:
                        - log:
                            message: "event from ${header.DeviceGuardDeviceId}"
                """);
        try (TestPlatform p = TestPlatform.start(home, Map.of("camel.main.routesIncludePattern", "file:" + routes + "/*.camel.yaml"))) {
            try (Connection c = p.platform().services().database().dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("create table ward_vitals (device_id varchar(64), body varchar(8192))");
            }
            DeviceFiles dev = p.createDevice("bed-7");
            String marker = Messages.marker();
            MqttClient client = Mqtt.connect5(p.mqttPort(), dev.id(), TestCerts.sslContext(dev));
            try {
                Mqtt.publish(client, "devices/bed-7/telemetry", Messages.sign(dev, Messages.payload(dev.id(), marker)));
            } finally {
                Mqtt.closeQuietly(client);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> p.count("select count(*) from ward_vitals where device_id = 'bed-7' and body like '%" + marker + "%'") == 1);
            assertThat(p.count("select count(*) from telemetry where payload like '%" + marker + "%'")).as("the packaged sink is replaced").isZero();
        }
    }

}
