package io.deviceguard.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.deviceguard.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas of device messages, one per message type and optionally per device model. Looked up in order:
 * {@code SCHEMA_DIR/models/{model}/{type}.schema.json}, {@code SCHEMA_DIR/{type}.schema.json}, then the packaged
 * {@code schemas/{type}.schema.json}. Files in SCHEMA_DIR are re-read when they change: editing a schema needs no
 * rebuild and no restart.
 */
public final class SchemaCatalog {

    private static final long RECHECK_MILLIS = 1000;
    private static final java.util.regex.Pattern TYPE = java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final java.util.regex.Pattern MODEL = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private final Path dir;
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Map<String, Loaded> cache = new ConcurrentHashMap<>();

    private record Loaded(Schema schema, String origin, long modified, long checkedAt) {
    }

    public SchemaCatalog(Path dir) {
        this.dir = dir;
    }

    /** Validates {@code payload} against the schema of {@code type} (for {@code model}, if it has its own). */
    public void validate(String model, String type, JsonNode payload) {
        Loaded s = lookup(model, type);
        if (s == null) {
            // every topic kind has a packaged schema; a type without one is refused, never waved through
            throw new IntegrityViolation(Reason.SCHEMA_VIOLATION, "no schema for type '" + type + "'");
        }
        List<Error> errors = s.schema().validate(payload);
        if (!errors.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(3, errors.size()); i++) {
                sb.append(i == 0 ? "" : "; ").append(errors.get(i).getMessage());
            }
            throw new IntegrityViolation(Reason.SCHEMA_VIOLATION, sb.toString());
        }
    }

    private Loaded lookup(String model, String type) {
        if (!TYPE.matcher(type).matches()) {
            return null;
        }
        if (model != null && MODEL.matcher(model).matches()) {
            Loaded m = fromFile(dir.resolve("models").resolve(model).resolve(type + ".schema.json"));
            if (m != null) {
                return m;
            }
        }
        Loaded f = fromFile(dir.resolve(type + ".schema.json"));
        return f != null ? f : packaged(type);
    }

    private Loaded fromFile(Path file) {
        String key = file.toString();
        Loaded known = cache.get(key);
        long now = System.currentTimeMillis();
        if (known != null && now - known.checkedAt() < RECHECK_MILLIS) {
            return known.schema() == null ? null : known;
        }
        try {
            if (!Files.isRegularFile(file)) {
                cache.put(key, new Loaded(null, key, 0, now));
                return null;
            }
            long modified = Files.getLastModifiedTime(file).toMillis();
            if (known != null && known.schema() != null && known.modified() == modified) {
                Loaded again = new Loaded(known.schema(), key, modified, now);
                cache.put(key, again);
                return again;
            }
            try (InputStream in = Files.newInputStream(file)) {
                Loaded l = new Loaded(registry.getSchema(in), key, modified, now);
                cache.put(key, l);
                return l;
            }
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("schema " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Loaded packaged(String type) {
        return cache.computeIfAbsent("classpath:" + type, k -> {
            try (InputStream in = SchemaCatalog.class.getResourceAsStream("/schemas/" + type + ".schema.json")) {
                return in == null ? new Loaded(null, k, 0, Long.MAX_VALUE) : new Loaded(registry.getSchema(in), k, 0, Long.MAX_VALUE);
            } catch (IOException e) {
                throw new ConfigException("packaged schema for " + type + " cannot be read", e);
            }
        }).schema() == null ? null : cache.get("classpath:" + type);
    }
}
