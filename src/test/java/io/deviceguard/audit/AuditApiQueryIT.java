package io.deviceguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auditors query the trail over the API: filters, a time range, newest first, a page at a time. */
class AuditApiQueryIT {

    @TempDir
    Path home;

    @Test
    void pagesNewestFirstWithFiltersAndATimeRange() throws Exception {
        try (TestPlatform p = TestPlatform.start(home)) {
            String password = TestSecrets.password();
            p.createUser("audra", Role.AUDITOR, password);
            p.createUser("oscar", Role.OPERATOR, password);
            for (int i = 0; i < 7; i++) {
                p.createDevice("pager-" + i);
            }
            Instant afterDevices = Instant.now();
            AdminApiClient api = AdminApiClient.of(p);
            String token = api.token("audra", password);

            List<Long> seen = new ArrayList<>();
            String before = null;
            for (int page = 0; page < 3; page++) {
                JsonNode body = api.get("/api/v1/audit?category=device&limit=3" + (before == null ? "" : "&before=" + before), token).json();
                for (JsonNode e : body.path("events")) {
                    assertThat(e.path("category").asText()).isEqualTo("device");
                    seen.add(e.path("seq").asLong());
                }
                before = body.hasNonNull("next") ? body.path("next").asText() : null;
                if (before == null) {
                    break;
                }
            }
            assertThat(seen).hasSize(7).isSortedAccordingTo((a, b) -> Long.compare(b, a)).doesNotHaveDuplicates();

            JsonNode until = api.get("/api/v1/audit?until=" + afterDevices + "&category=user&limit=50", token).json();
            assertThat(until.path("events")).allMatch(e -> Instant.parse(e.path("ts").asText()).isBefore(afterDevices));

            assertThat(api.get("/api/v1/audit?before=x", token).status()).isEqualTo(400);
            assertThat(api.get("/api/v1/audit", api.token("oscar", password)).status()).as("operators do not read audit").isEqualTo(403);
        }
    }
}
