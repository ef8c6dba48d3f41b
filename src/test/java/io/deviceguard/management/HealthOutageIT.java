package io.deviceguard.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.testing.ManagementClient;
import io.deviceguard.testing.Ports;
import io.deviceguard.testing.TestPlatform;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /observe/health} while the database (a real PostgreSQL) goes away and comes back: UP, then DOWN naming the
 * database, then UP again, with no restart of the platform.
 */
class HealthOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    @TempDir
    Path pgData;

    @Test
    void healthGoesDownWithTheDatabaseAndUpWhenItReturns() throws Exception {
        int pgPort = Ports.free();
        EmbeddedPostgres pg = start(pgPort);
        TestPlatform p = TestPlatform.start(home, Map.of("deviceguard.db.url", "jdbc:postgresql://127.0.0.1:" + pgPort
                + "/postgres", "deviceguard.db.user", "postgres", "deviceguard.db.password", ""));
        try {
            ManagementClient mgmt = ManagementClient.of(p);
            HttpResponse<String> up = mgmt.get("/observe/health", null);
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            assertThat(JSON.readTree(up.body()).path("checks").path("database").path("status").asText()).isEqualTo("UP");

            pg.close();
            await("health reports the database down").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        HttpResponse<String> down = mgmt.get("/observe/health", null);
                        assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
                        JsonNode h = JSON.readTree(down.body());
                        assertThat(h.path("status").asText()).isEqualTo("DOWN");
                        assertThat(h.path("checks").path("database").path("status").asText()).isEqualTo("DOWN");
                        assertThat(h.path("checks").path("database").path("detail").asText()).startsWith("unreachable");
                        assertThat(h.path("checks").path("broker").path("status").asText()).isEqualTo("UP");
                    });
            String scrape = ManagementClient.scrapeToken(home);
            HttpResponse<String> metrics = mgmt.get("/observe/metrics", scrape);
            assertThat(metrics.statusCode()).as("metrics are served during the outage").isEqualTo(200);

            pg = start(pgPort);
            await("health is UP again").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        HttpResponse<String> again = mgmt.get("/observe/health", null);
                        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
                    });
        } finally {
            p.close();
            pg.close();
        }
    }

    private EmbeddedPostgres start(int port) throws Exception {
        // never clean: the second start must find the first one's data
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
    }
}
