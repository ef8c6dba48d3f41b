package io.deviceguard.integrity;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The packaged telemetry schema: what a measurement may be, and what it may not. */
class SchemaCatalogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode telemetry(String value) throws Exception {
        return JSON.readTree("{\"deviceId\":\"icu-1\",\"type\":\"telemetry\",\"msgId\":\"m-00000001\",\"ts\":1764000000000,"
                + "\"data\":{\"v\":" + value + "}}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "36.6", "1e15", "-1e15", "\"ok\"", "true", "false", "\"\""})
    void numbersStringsAndBooleansWithinTheirBoundsPass(String value) throws Exception {
        SchemaCatalog catalog = new SchemaCatalog(dir);
        assertThatCode(() -> catalog.validate(null, "telemetry", telemetry(value))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5e15", "-2e15", "null", "{}", "[1]", "\"LONG\""})
    void anythingElseIsASchemaViolation(String value) throws Exception {
        SchemaCatalog catalog = new SchemaCatalog(dir);
        String v = value.equals("\"LONG\"") ? "\"" + "x".repeat(1025) + "\"" : value;
        assertThatThrownBy(() -> catalog.validate(null, "telemetry", telemetry(v)))
                .isInstanceOfSatisfying(IntegrityViolation.class, e -> org.assertj.core.api.Assertions.assertThat(e.reason())
                        .isEqualTo(Reason.SCHEMA_VIOLATION));
    }
}
