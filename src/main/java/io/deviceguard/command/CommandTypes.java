package io.deviceguard.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command types the platform sends and the JSON Schema of each one's parameters: the four built-in types
 * (packaged schemas {@code schemas/commands/TYPE.schema.json}) and the custom types named in
 * {@code deviceguard.commands.customTypes} (schema {@code HOME/schemas/commands/TYPE.schema.json}, or any object).
 * Which types are high-risk, and so need a second user's approval, is configuration too.
 */
public final class CommandTypes {

    static final List<String> BUILT_IN = List.of("configure", "reboot", "remote-access", "software-update");

    private final Map<String, Schema> schemas = new HashMap<>();
    private final Set<String> highRisk;
    private final int remoteAccessMaxMinutes;

    CommandTypes(Set<String> custom, Set<String> highRisk, int remoteAccessMaxMinutes, Path customSchemaDir) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        for (String t : BUILT_IN) {
            try (InputStream in = CommandTypes.class.getResourceAsStream("/schemas/commands/" + t + ".schema.json")) {
                schemas.put(t, registry.getSchema(in));
            } catch (IOException e) {
                throw new ConfigException("packaged schema of command type " + t + " cannot be read", e);
            }
        }
        for (String t : custom) {
            if (BUILT_IN.contains(t)) {
                throw new ConfigException("property '" + SettingKeys.COMMANDS_CUSTOM_TYPES + "' names the built-in type " + t);
            }
            Path file = customSchemaDir.resolve(t + ".schema.json");
            try (InputStream in = Files.isRegularFile(file) ? Files.newInputStream(file)
                    : new java.io.ByteArrayInputStream("{\"type\":\"object\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                schemas.put(t, registry.getSchema(in));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("schema " + file + " of custom command type " + t + " cannot be read: " + e.getMessage(), e);
            }
        }
        for (String t : highRisk) {
            if (!schemas.containsKey(t)) {
                throw new ConfigException("property '" + SettingKeys.COMMANDS_HIGH_RISK_TYPES + "' names '" + t
                        + "', which is not a command type (types: " + String.join(", ", types()) + ")");
            }
        }
        this.highRisk = Set.copyOf(highRisk);
        this.remoteAccessMaxMinutes = remoteAccessMaxMinutes;
    }

    public static CommandTypes from(Settings settings) {
        return new CommandTypes(new LinkedHashSet<>(settings.getList(SettingKeys.COMMANDS_CUSTOM_TYPES)),
                new LinkedHashSet<>(settings.getList(SettingKeys.COMMANDS_HIGH_RISK_TYPES)),
                settings.getInt(SettingKeys.COMMANDS_REMOTE_ACCESS_MAX_MINUTES),
                settings.home().root().resolve("schemas").resolve("commands"));
    }

    Set<String> types() {
        return new java.util.TreeSet<>(schemas.keySet());
    }

    boolean isHighRisk(String type) {
        return highRisk.contains(type);
    }

    /** Refuses an unknown type or parameters that do not match its schema, naming what is wrong. */
    void validate(String type, JsonNode params) {
        Schema schema = schemas.get(type);
        if (schema == null) {
            throw CommandException.invalid("type", "unknown command type '" + io.deviceguard.device.DeviceId.printable(type)
                    + "' (types: " + String.join(", ", types()) + ")");
        }
        if (params == null || !params.isObject()) {
            throw CommandException.invalid("params", "the parameters must be a JSON object");
        }
        List<Error> errors = schema.validate(params);
        if (!errors.isEmpty()) {
            StringBuilder sb = new StringBuilder("parameters of " + type + " do not match its schema: ");
            for (int i = 0; i < Math.min(3, errors.size()); i++) {
                sb.append(i == 0 ? "" : "; ").append(errors.get(i).getMessage());
            }
            throw CommandException.invalid("params", sb.toString());
        }
        if (type.equals("remote-access") && params.path("minutes").asDouble() > remoteAccessMaxMinutes) {
            throw CommandException.invalid("params", "remote-access for " + params.path("minutes").asText()
                    + " minutes is longer than the allowed maximum of " + remoteAccessMaxMinutes + " minutes ("
                    + SettingKeys.COMMANDS_REMOTE_ACCESS_MAX_MINUTES + ")");
        }
    }
}
