package io.deviceguard.integrity;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON parser for untrusted device payloads: duplicate keys are an error (two "deviceId" members must not let
 * one check read one and a handler the other), nesting, number and string lengths are bounded, trailing data is
 * an error.
 */
public final class Json {

    public static final ObjectMapper STRICT = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(16)
                            .maxNumberLength(40)
                            .maxStringLength(128 * 1024)
                            .build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {
    }

    /** Parses an object, or says why not. */
    public static JsonNode parseObject(String text) {
        try {
            JsonNode n = STRICT.readTree(text);
            if (n == null || !n.isObject()) {
                throw new IntegrityViolation(Reason.NOT_JSON, "the payload must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IntegrityViolation(Reason.NOT_JSON, e.getOriginalMessage());
        }
    }
}
