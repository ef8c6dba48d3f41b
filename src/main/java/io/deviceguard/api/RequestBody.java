package io.deviceguard.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON request body read field by field: it must be one UTF-8 JSON object, every field must be one the endpoint
 * accepts, and each value must have the expected type. Anything else is a 400 whose detail names the field and what
 * was expected, so that a client learns its mistake instead of the server guessing (no coercion of 1 to "1").
 */
public final class RequestBody {

    private final ObjectNode object;

    private RequestBody(ObjectNode object) {
        this.object = object;
    }

    static RequestBody parse(byte[] body, Set<String> allowed) {
        if (body == null || body.length == 0) {
            throw ApiProblem.badRequest("invalid_json", "the request body is empty; this endpoint takes a JSON object");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiProblem.badRequest("invalid_json", "the request body is not valid UTF-8");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JsonParseException e) {
            throw ApiProblem.badRequest("invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage()
                    + location(e));
        } catch (JsonProcessingException e) {
            throw ApiProblem.badRequest("invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            throw ApiProblem.badRequest("invalid_json", "the request body must be a JSON object, not "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw ApiProblem.invalidField(name, "unknown field '" + Printable.of(name) + "' (this endpoint accepts: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return new RequestBody(o);
    }

    private static String location(JsonParseException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** A required string field. */
    public String text(String name) {
        JsonNode v = object.get(name);
        if (v == null) {
            throw ApiProblem.invalidField(name, "field '" + name + "' is required");
        }
        if (!v.isTextual()) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be a string, not " + type(v));
        }
        return v.textValue();
    }

    /** An optional string field: null when absent. */
    public String optionalText(String name) {
        return object.has(name) ? text(name) : null;
    }

    /** An optional whole number field: null when absent. */
    public Integer optionalInt(String name) {
        JsonNode v = object.get(name);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be a whole number, not " + type(v));
        }
        return v.intValue();
    }

    /** An optional JSON object field: an empty object when absent. */
    public JsonNode object(String name) {
        JsonNode v = object.get(name);
        if (v == null) {
            return Json.MAPPER.createObjectNode();
        }
        if (!v.isObject()) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be a JSON object, not " + type(v));
        }
        return v;
    }

    /** A required array of strings. */
    public java.util.List<String> textList(String name) {
        JsonNode v = object.get(name);
        if (v == null) {
            throw ApiProblem.invalidField(name, "field '" + name + "' is required");
        }
        if (!v.isArray()) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be an array of strings, not " + type(v));
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ApiProblem.invalidField(name, "field '" + name + "' must hold only strings, not " + type(e));
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** An optional whole-number field within [min, max]; {@code dflt} when absent. */
    public long wholeNumber(String name, long min, long max, long dflt) {
        JsonNode v = object.get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be a whole number, not " + type(v));
        }
        long x = v.longValue();
        if (x < min || x > max) {
            throw ApiProblem.invalidField(name, "field '" + name + "' must be between " + min + " and " + max);
        }
        return x;
    }

    private static String type(JsonNode v) {
        return switch (v.getNodeType()) {
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().name().toLowerCase();
        };
    }
}
