package io.deviceguard.management;

import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.DeviceFiles;
import io.deviceguard.testing.HeadlessChromium;
import io.deviceguard.testing.ManagementClient;
import io.deviceguard.testing.Messages;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hawtio on the management port, as an operator uses it: a real headless Chromium logs in with a platform account of
 * role admin and opens the Camel routes view; nobody else gets in, and Jolokia is held to its access policy.
 * Screenshots go to {@code target/hawtio/}.
 */
class HawtioConsoleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOTS = Path.of("target", "hawtio");
    private static final String FILL_AND_SUBMIT = "(() => {"
            + " const set = (el, v) => { Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, v);"
            + " el.dispatchEvent(new Event('input', {bubbles: true})); };"
            + " set(document.getElementById('pf-login-username-id'), %s);"
            + " set(document.getElementById('pf-login-password-id'), %s);"
            + " document.querySelector('button[type=submit]').click(); return true; })()";
    private static final String CLICK_TREE_NODE = "(() => { const el = [...document.querySelectorAll("
            + "'.pf-v5-c-tree-view__node-text, .pf-v5-c-tree-view__node')].find(e => e.textContent.trim() === %s);"
            + " if (!el) return false; el.click(); return true; })()";

    private static final String EXPAND_TREE_NODE = "(() => { const n = [...document.querySelectorAll("
            + "'.pf-v5-c-tree-view__node')].find(e => e.textContent.trim() === %s); if (!n) return false; n.click();"
            + " const t = n.querySelector('.pf-v5-c-tree-view__node-toggle'); if (t) t.click(); return true; })()";

    @TempDir
    Path home;
    @TempDir
    Path browserProfile;
    TestPlatform platform;
    ManagementClient mgmt;
    String adminPassword;
    String operatorPassword;

    @BeforeEach
    void start() {
        platform = TestPlatform.start(home, Map.of("deviceguard.management.hawtio", "true"));
        adminPassword = TestSecrets.password();
        operatorPassword = TestSecrets.password();
        platform.createUser("ada", Role.ADMIN, adminPassword);
        platform.createUser("olga", Role.OPERATOR, operatorPassword);
        mgmt = ManagementClient.of(platform);
        assertThat(platform.platform().management().awaitHawtio(180, TimeUnit.SECONDS))
                .as("the Hawtio console was deployed (see the platform log)").isTrue();
    }

    @AfterEach
    void stop() {
        platform.close();
    }

    @Test
    void anAdminLogsInWithChromiumAndSeesTheCamelRoutes() throws Exception {
        assertThat(HeadlessChromium.binary()).as("chromium is installed (Debian package chromium; .ci/run installs it)")
                .isNotNull();
        try (HeadlessChromium browser = HeadlessChromium.start(browserProfile,
                home.resolve("certs").resolve(Pki.SERVER_CERT))) {
            browser.navigate(mgmt.base() + "/hawtio/");
            await("the login form").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text().contains("Log in to your account"));
            assertThat(browser.url()).as("an unauthenticated visitor is sent to the login page").endsWith("/hawtio/login");
            browser.screenshot(SHOTS.resolve("login.png"));

            browser.eval(String.format(FILL_AND_SUBMIT, quote("ada"), quote(adminPassword)));
            await("logged in").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !browser.url().endsWith("/login") && browser.text().contains("Camel"));

            browser.navigate(mgmt.base() + "/hawtio/camel");
            await("the Camel tree lists the routes").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text().contains("telemetry-in"));
            assertThat(browser.eval(String.format(CLICK_TREE_NODE, quote("routes"))).asBoolean())
                    .as("the 'routes' node of the Camel tree").isTrue();
            await("the routes table with exchange counts").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text().contains("Completed") && browser.text().contains("Started"));
            String page = browser.text();
            browser.screenshot(SHOTS.resolve("camel-routes.png"));
            assertThat(browser.url()).endsWith("/hawtio/camel/routes");
            assertThat(page).contains("telemetry-in", "events-in", "command-status-in", "integrity-signature",
                    "device-auth-check", "audit-persistence", "command-publish");
            assertThat(page).contains("Failed", "Total", "InFlight");

            browser.navigate(mgmt.base() + "/hawtio/jmx");
            await("the JMX tree").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text().contains("org.apache.activemq.artemis"));
            String broker = "deviceguard-" + platform.platform().settings().get("deviceguard.node.id");
            for (String node : new String[] {"org.apache.activemq.artemis", broker, "addresses"}) {
                await("the JMX tree node " + node).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> browser.eval(String.format(EXPAND_TREE_NODE, quote(node))).asBoolean());
            }
            await("the broker's addresses in the JMX view").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> browser.text().contains("component=addresses"));
            assertThat(browser.text()).contains(".telemetry", ".events", ".commands.status", "DLQ");
            browser.screenshot(SHOTS.resolve("artemis-addresses.png"));
        }
        platform.awaitAudit("the console login", row("user", "login", "success")
                .and(r -> r.actor().equals("ada") && r.details().contains("\"channel\":\"hawtio\"")));
    }

    @Test
    void nobodyElseGetsInAndJolokiaKeepsToItsPolicy() throws Exception {
        HttpResponse<String> page = mgmt.get("/hawtio/camel/routes", null);
        assertThat(page.statusCode()).as("a Hawtio page without a session").isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/hawtio/login"));

        HttpResponse<String> anonymous = mgmt.get("/hawtio/jolokia/read/java.lang:type=Memory/HeapMemoryUsage", null);
        assertThat(anonymous.statusCode()).isIn(401, 403);
        assertThat(anonymous.body()).doesNotContain("\"used\"");

        assertThat(jolokia("ada", "wrong-" + adminPassword, read("java.lang:type=Memory", "HeapMemoryUsage")).statusCode())
                .as("a wrong password").isEqualTo(403);
        platform.awaitAudit("the failed console login", row("user", "login", "denied")
                .and(r -> r.actor().equals("ada") && r.details().contains("bad_credentials")
                        && r.details().contains("\"requestId\":\"hawtio\"")));
        assertThat(jolokia("olga", operatorPassword, read("java.lang:type=Memory", "HeapMemoryUsage")).statusCode())
                .as("an operator (the console is for admins)").isEqualTo(403);
        platform.awaitAudit("the operator refused", row("user", "login", "denied")
                .and(r -> r.actor().equals("olga") && r.details().contains("role_not_allowed")));

        // failed console logins count toward the platform's lockout (5 in 15 minutes); Hawtio's own throttle answers
        // 429 between attempts, which is retried
        String evePassword = TestSecrets.password();
        platform.createUser("eve", Role.ADMIN, evePassword);
        for (int i = 0; i < 5; i++) {
            await("failed console login " + (i + 1)).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> jolokia("eve", "wrong-" + evePassword, read("java.lang:type=Memory", "HeapMemoryUsage"))
                            .statusCode() == 403);
        }
        platform.awaitAudit("the lockout", row("user", "lockout", "success").and(r -> r.target().contains("eve")));
        await("the right password no longer opens the console").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> jolokia("eve", evePassword, read("java.lang:type=Memory", "HeapMemoryUsage")).statusCode() == 403);
        assertThat(io.deviceguard.testing.AdminApiClient.of(platform).login("eve", evePassword).status())
                .as("nor the admin API").isNotEqualTo(200);

        DeviceFiles d = platform.createDevice("ward-7");
        MqttClient client = Mqtt.connect5(platform.mqttPort(), d.id(), TestCerts.sslContext(d));
        try {
            for (int i = 0; i < 3; i++) {
                Mqtt.publish(client, "devices/ward-7/telemetry", Messages.sign(d, Messages.payload(d.id(), Messages.marker())));
            }
            String brokerName = "org.apache.activemq.artemis:broker=\"deviceguard-" + platform.platform().settings()
                    .get("deviceguard.node.id") + "\"";
            JsonNode connections = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":" + quote(brokerName)
                    + ",\"operation\":\"listConnectionsAsJSON()\"}");
            assertThat(connections.path("status").asInt()).as("the broker's connections: %s", connections).isEqualTo(200);
            assertThat(JSON.readTree(connections.path("value").asText()).size()).as("the device's and the routes' connections")
                    .isGreaterThanOrEqualTo(2);
        } finally {
            Mqtt.closeQuietly(client);
        }
        String route = "org.apache.camel:context=deviceguard,type=routes,name=\"telemetry-in\"";
        await("the route's exchange count over Jolokia").atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(jolokiaJson("ada", adminPassword, read(route, "ExchangesTotal")).path("value").asLong())
                        .isEqualTo(3));

        JsonNode write = jolokiaJson("ada", adminPassword, "{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\","
                + "\"attribute\":\"Verbose\",\"value\":true}");
        assertThat(write.path("status").asInt()).as("writes are denied: %s", write).isEqualTo(403);
        JsonNode gc = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        assertThat(gc.path("status").asInt()).as("an operation not on the allow-list: %s", gc).isEqualTo(403);
        JsonNode remove = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":" + quote(route)
                + ",\"operation\":\"remove()\"}");
        assertThat(remove.path("status").asInt()).as("removing a route: %s", remove).isEqualTo(403);
        JsonNode acceptor = jolokiaJson("ada", adminPassword, "{\"type\":\"search\",\"mbean\":"
                + "\"org.apache.activemq.artemis:component=acceptors,*\"}");
        String acceptorName = acceptor.path("value").path(0).asText();
        assertThat(jolokiaJson("ada", adminPassword, read(acceptorName, "Parameters")).path("status").asInt())
                .as("the acceptor's parameters (key store passwords)").isEqualTo(403);

        JsonNode dump = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":" + quote(route)
                + ",\"operation\":\"dumpRouteAsXml()\"}");
        assertThat(dump.path("status").asInt()).as("an allowed read-only operation: %s", dump).isEqualTo(200);
        assertThat(dump.path("value").asText()).contains("telemetry-in");
        String broker = "org.apache.activemq.artemis:broker=\"deviceguard-" + platform.platform().settings()
                .get("deviceguard.node.id") + "\"";
        JsonNode addresses = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":" + quote(broker)
                + ",\"operation\":\"listAddresses(java.lang.String)\",\"arguments\":[\",\"]}");
        assertThat(addresses.path("value").asText()).as("the broker's addresses: %s", addresses)
                .contains("devices.*.telemetry");
        JsonNode stop = jolokiaJson("ada", adminPassword, "{\"type\":\"exec\",\"mbean\":"
                + quote("org.apache.camel:context=deviceguard,type=routes,name=\"telemetry-sink\"") + ",\"operation\":\"stop()\"}");
        assertThat(stop.path("status").asInt()).as("stopping a route is on the allow-list: %s", stop).isEqualTo(200);
        await("health reports the stopped route").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> h = mgmt.get("/observe/health", null);
            assertThat(h.statusCode()).isEqualTo(503);
            assertThat(h.body()).contains("telemetry-sink stopped");
        });
    }

    private static String read(String mbean, String attribute) {
        return "{\"type\":\"read\",\"mbean\":" + quote(mbean) + ",\"attribute\":" + quote(attribute) + "}";
    }

    private HttpResponse<String> jolokia(String user, String password, String body) {
        return mgmt.send(HttpRequest.newBuilder(URI.create(mgmt.base() + "/hawtio/jolokia/"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                        .getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode jolokiaJson(String user, String password, String body) throws Exception {
        HttpResponse<String> r = jolokia(user, password, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static {
        try {
            Files.createDirectories(SHOTS);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
