package io.deviceguard.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.pki.Certificates;
import io.deviceguard.sdk.Csr;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figure: a manifest of CSR rows (10,000 with -Dimport.scale.rows=10000; 1,000 by default to keep the
 * build short) imported over the admin API in one all-or-nothing request
 * (every CSR verified, signed by the device CA, registered in one transaction, audited). The time is printed for the
 * report; the bound only catches a collapse (a query per row gone quadratic, say), not a slow CI machine.
 * The rows are made with 64 distinct keys (each CSR still names its own device and is signed by its key) so that the
 * test spends its time importing rather than generating keys.
 */
class ImportScaleIT {

    /** 1,000 in the build; the figure is measured with -Dimport.scale.rows=10000. */
    static final int ROWS = Integer.getInteger("import.scale.rows", 1_000);

    @TempDir
    static Path home;

    @Test
    void thousandsOfRowsImportInOneRequest() {
        KeyPair[] keys = IntStream.range(0, 64).mapToObj(i -> Certificates.newEcKeyPair()).toArray(KeyPair[]::new);
        long g0 = System.nanoTime();
        StringBuilder csv = new StringBuilder(ROWS * 700).append("device_id,model,pem\n");
        String[] lines = IntStream.range(0, ROWS).parallel().mapToObj(i -> DeviceImportIT.line(
                String.format("scale-%05d", i), "pump-x", Csr.create(keys[i % keys.length], String.format("scale-%05d", i))))
                .toArray(String[]::new);
        for (String l : lines) {
            csv.append(l);
        }
        long generated = (System.nanoTime() - g0) / 1_000_000;
        try (TestPlatform platform = TestPlatform.start(home)) {
            String pw = TestSecrets.password();
            platform.createUser("bulk", Role.ADMIN, pw);
            AdminApiClient api = AdminApiClient.of(platform);
            String token = api.token("bulk", pw);
            long t0 = System.nanoTime();
            AdminApiClient.Reply r = api.call("POST", "/api/v1/devices/import", token, "application/json",
                    "{\"manifest\":" + AdminApiClient.quote(csv.toString()) + "}", java.time.Duration.ofMinutes(10));
            long roundTrip = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).as(r.body().length() > 2000 ? r.body().substring(0, 2000) : r.body()).isEqualTo(200);
            assertThat(r.json().path("created").asInt()).isEqualTo(ROWS);
            System.out.printf("import of %,d CSR rows (%,d bytes): %,d ms on the server, %,d ms HTTP round trip"
                    + " (manifest generated in %,d ms)%n", ROWS, csv.length(), r.json().path("millis").asLong(), roundTrip,
                    generated);
            assertThat(platform.platform().services().registry().find(String.format("scale-%05d", ROWS - 1))).isPresent();
            assertThat(roundTrip).as("within 30 ms a row").isLessThan(30L * ROWS + 10_000);
        }
    }
}
