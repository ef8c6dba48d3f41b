package io.deviceguard.management;

import static io.deviceguard.testing.ManagementClient.sample;
import static io.deviceguard.testing.ManagementClient.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.ManagementClient;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /observe/metrics} and {@code /observe/health} on the management port, after real traffic: signed and bad
 * messages from a real MQTT client over mutual TLS, a refused connect, a command. The Prometheus figures must equal
 * what was done.
 */
class ObserveIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    TestPlatform platform;
    ManagementClient mgmt;

    @BeforeEach
    void start() {
        platform = TestPlatform.start(home);
        mgmt = ManagementClient.of(platform);
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    @Test
    void metricsCountWhatHappened() throws Exception {
        String scrape = ManagementClient.scrapeToken(home);
        DeviceFiles d = platform.createDevice("ward-1");
        MqttClient client = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        int good = 5;
        int bad = 3;
        try {
            for (int i = 0; i < good; i++) {
                Mqtt.publish(client, "devices/ward-1/telemetry", Messages.sign(d, Messages.payload(d.id(), Messages.marker())));
            }
            for (int i = 0; i < bad; i++) {
                Mqtt.publish(client, "devices/ward-1/telemetry", "this is not a signed envelope " + i);
            }
            TestCerts.Credentials ghost = TestCerts.fromDeviceCa(platform.platform().services().pki(), home, "ghost-1",
                    Instant.now().minusSeconds(60), Duration.ofDays(30));
            assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), "ghost-1", TestCerts.sslContext(ghost)))
                    .isInstanceOf(MqttException.class);

            String password = TestSecrets.password();
            platform.createUser("olga", Role.OPERATOR, password);
            AdminApiClient api = AdminApiClient.of(platform);
            String operator = api.token("olga", password);
            AdminApiClient.Reply created = api.post("/api/v1/commands", operator,
                    "{\"type\":\"configure\",\"target\":\"device:ward-1\",\"params\":{\"sampleRateHz\":50}}");
            assertThat(created.status()).as(created.body()).isIn(200, 201, 202);

            await("the metrics show the traffic").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        String m = mgmt.get("/observe/metrics", scrape).body();
                        assertThat(sample(m, "deviceguard_messages_accepted_total")).as(m).isEqualTo(good);
                        assertThat(sample(m, "deviceguard_messages_rejected_total", "reason=\"not_jws\"")).isEqualTo(bad);
                        assertThat(sum(m, "deviceguard_messages_rejected_total")).isEqualTo(bad);
                        assertThat(sample(m, "deviceguard_connections_refused_total", "reason=\"unregistered_device\"",
                                "stage=\"connect\"")).isEqualTo(1);
                        assertThat(sum(m, "deviceguard_connections_refused_total")).isEqualTo(1);
                        assertThat(sample(m, "deviceguard_devices_connected")).isEqualTo(1);
                        assertThat(sum(m, "deviceguard_command_executions")).isEqualTo(1);
                        assertThat(sample(m, "deviceguard_audit_backlog")).isGreaterThanOrEqualTo(0);
                        assertThat(sample(m, "deviceguard_audit_journal_rows")).isZero();
                        assertThat(sample(m, "camel_route_policy_seconds_count", "routeId=\"telemetry-in\""))
                                .isEqualTo(good + bad);
                    });
            String m = mgmt.get("/observe/metrics", operator).body();
            assertThat(sample(m, "deviceguard_messages_accepted_total")).as("an operator's session token reads them too")
                    .isEqualTo(good);
            System.out.println("ObserveIT: metrics exposition has " + m.split("\n").length + " lines");
        } finally {
            Mqtt.closeQuietly(client);
        }
        await("the device disconnected").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(sample(mgmt.get("/observe/metrics", scrape).body(), "deviceguard_devices_connected")).isZero());
    }

    @Test
    void metricsRefuseWhoHasNoToken() {
        HttpResponse<String> none = mgmt.get("/observe/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(none.body()).contains("missing_token").doesNotContain("deviceguard_");
        assertThat(mgmt.get("/observe/metrics", "dgm_" + "x".repeat(43)).statusCode()).isEqualTo(401);
        assertThat(mgmt.get("/observe/metrics", "not-a-token").statusCode()).isEqualTo(401);

        String password = TestSecrets.password();
        platform.createUser("audrey", Role.AUDITOR, password);
        String auditor = AdminApiClient.of(platform).token("audrey", password);
        HttpResponse<String> forbidden = mgmt.get("/observe/metrics", auditor);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("role_not_allowed");
        platform.awaitAudit("refused scrape", TestPlatform.row("api", "observe.metrics", "denied")
                .and(TestPlatform.reason("missing_token")));
    }

    @Test
    void healthIsUpWithEveryPart() throws Exception {
        HttpResponse<String> r = mgmt.get("/observe/health", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode h = JSON.readTree(r.body());
        assertThat(h.path("status").asText()).isEqualTo("UP");
        for (String part : new String[] {"broker", "database", "routes", "auditJournal"}) {
            assertThat(h.path("checks").path(part).path("status").asText()).as(part).isEqualTo("UP");
        }
        assertThat(h.path("checks").path("routes").path("detail").asText()).endsWith("routes started");
    }

    @Test
    void theManagementPortSpeaksOnlyTls() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", platform.managementPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /observe/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            byte[] answer = s.getInputStream().readNBytes(64);
            assertThat(new String(answer)).doesNotContain("UP").doesNotContain("200");
        }
    }
}
