package io.deviceguard.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.testing.ManagementClient;
import io.deviceguard.testing.TestPlatform;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose journal disk is over {@code max-disk-usage} refuses every publish while devices stay connected: the
 * operator must see it in {@code /observe/health}, not only in the broker's log. The home's broker.xml sets the limit
 * to 1 % of the disk, which any disk the tests run on exceeds.
 */
class DiskFullHealthIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @Test
    void healthSaysTheBrokerRefusesPublishesWhileTheDiskIsFull() throws Exception {
        String xml;
        try (InputStream in = DiskFullHealthIT.class.getResourceAsStream("/broker/broker.xml")) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(xml).contains("<max-disk-usage>95</max-disk-usage>");
        Files.createDirectories(home.resolve("broker"));
        Files.writeString(home.resolve("broker").resolve("broker.xml"),
                xml.replace("<max-disk-usage>95</max-disk-usage>", "<max-disk-usage>1</max-disk-usage><disk-scan-period>500</disk-scan-period>"));

        try (TestPlatform p = TestPlatform.start(home)) {
            ManagementClient mgmt = ManagementClient.of(p);
            await("health reports the full disk").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        HttpResponse<String> r = mgmt.get("/observe/health", null);
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                        JsonNode h = JSON.readTree(r.body());
                        assertThat(h.path("status").asText()).isEqualTo("DOWN");
                        assertThat(h.path("checks").path("broker").path("status").asText()).isEqualTo("DOWN");
                        assertThat(h.path("checks").path("broker").path("detail").asText())
                                .startsWith("disk full: publishes are refused").contains("max-disk-usage (1 %");
                        assertThat(h.path("checks").path("database").path("status").asText()).isEqualTo("UP");
                        assertThat(h.path("checks").path("routes").path("status").asText()).isEqualTo("UP");
                    });
        }
    }
}
