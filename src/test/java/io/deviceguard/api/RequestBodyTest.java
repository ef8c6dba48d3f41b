package io.deviceguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Request bodies are read strictly: each mistake is a 400 that names the field and what was expected. */
class RequestBodyTest {

    private static final Set<String> FIELDS = Set.of("username", "role");

    private static RequestBody parse(String json) {
        return RequestBody.parse(json.getBytes(StandardCharsets.UTF_8), FIELDS);
    }

    private static ApiProblem problem(Runnable r) {
        try {
            r.run();
        } catch (ApiProblem p) {
            assertThat(p.status()).isEqualTo(400);
            return p;
        }
        throw new AssertionError("no problem raised");
    }

    @Test
    void readsAWellFormedObject() {
        assertThat(parse("{\"username\":\"alice\",\"role\":\"admin\"}").text("role")).isEqualTo("admin");
    }

    @Test
    void malformedJsonSaysWhere() {
        ApiProblem p = problem(() -> parse("{\"username\": \"alice\",}"));
        assertThat(p.code()).isEqualTo("invalid_json");
        assertThat(p.detail()).startsWith("the request body is not valid JSON: ").contains("line 1");
    }

    @Test
    void everyOtherMistakeIsNamed() {
        assertThat(problem(() -> parse("")).detail()).isEqualTo("the request body is empty; this endpoint takes a JSON object");
        assertThat(problem(() -> parse("[1,2]")).detail()).isEqualTo("the request body must be a JSON object, not array");
        assertThat(problem(() -> parse("{\"username\":\"a\"} {}")).code()).isEqualTo("invalid_json");
        assertThat(problem(() -> parse("{\"username\":\"a\",\"username\":\"b\"}")).detail()).contains("Duplicate field 'username'");
        ApiProblem unknown = problem(() -> parse("{\"username\":\"a\",\"admin\":true}"));
        assertThat(unknown.detail()).isEqualTo("unknown field 'admin' (this endpoint accepts: role, username)");
        assertThat(unknown.field()).isEqualTo("admin");
        assertThat(problem(() -> parse("{\"username\":1}").text("username")).detail()).isEqualTo("field 'username' must be a string, not a number");
        assertThat(problem(() -> parse("{\"username\":null}").text("username")).detail()).isEqualTo("field 'username' must be a string, not null");
        assertThat(problem(() -> parse("{\"username\":[\"a\"]}").text("username")).detail()).isEqualTo("field 'username' must be a string, not an array");
        assertThat(problem(() -> parse("{}").text("role")).detail()).isEqualTo("field 'role' is required");
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] bad = {'{', '"', 'u', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThatThrownBy(() -> RequestBody.parse(bad, FIELDS)).isInstanceOf(ApiProblem.class)
                .hasMessage("the request body is not valid UTF-8");
    }

    @Test
    void queryParametersAreStrictToo() {
        assertThat(QueryParams.parse("limit=5").only(Set.of("limit")).intValue("limit", 1, 10, 3)).isEqualTo(5);
        assertThat(problem(() -> QueryParams.parse("limit=5&limit=6")).detail()).isEqualTo("query parameter 'limit' is given twice");
        assertThat(problem(() -> QueryParams.parse("x=1").only(Set.of("limit"))).detail()).isEqualTo("unknown query parameter 'x' (accepted: limit)");
        assertThat(problem(() -> QueryParams.parse("limit=0").intValue("limit", 1, 10, 3)).detail())
                .isEqualTo("query parameter 'limit' must be a whole number from 1 to 10");
        assertThat(problem(() -> QueryParams.parse("limit=%zz")).detail()).isEqualTo("the query string is not valid percent-encoding");
    }
}
