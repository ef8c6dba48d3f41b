package io.deviceguard.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The platform's configuration, resolved once at start-up from four layers, later ones winning: the packaged
 * {@code application.properties}, the home's {@code application.properties}, environment variables
 * ({@code deviceguard.mqtt.port} is {@code DEVICEGUARD_MQTT_PORT}) and command-line {@code --name=value} options.
 * Every {@code deviceguard.*} key must be one the platform knows and must hold a value of its type: a typo stops
 * start-up with a message naming the key and where it came from, instead of being silently ignored.
 * Keys of other prefixes ({@code camel.*}, route placeholders) pass through to camel-main unchanged.
 */
public final class Settings {

    public static final String PREFIX = "deviceguard.";
    private static final String PACKAGED = "/application.properties";

    private final Home home;
    private final Map<String, String> values;

    private Settings(Home home, Map<String, String> values) {
        this.home = home;
        this.values = Collections.unmodifiableMap(values);
    }

    public static Settings load(Home home, Map<String, String> cliProperties, Map<String, String> environment) {
        Map<String, String> merged = new LinkedHashMap<>();
        Map<String, String> origin = new TreeMap<>();
        Properties packaged = readPackaged();
        packaged.stringPropertyNames().forEach(k -> put(merged, origin, k, packaged.getProperty(k), "the packaged application.properties"));
        if (Files.isRegularFile(home.propertiesFile())) {
            Properties local = readFile(home);
            local.stringPropertyNames().forEach(k -> put(merged, origin, k, local.getProperty(k), home.propertiesFile().toString()));
        }
        for (String key : SettingKeys.all().keySet()) {
            String env = environment.get(key.toUpperCase().replace('.', '_'));
            if (env != null) {
                put(merged, origin, key, env, "environment variable " + key.toUpperCase().replace('.', '_'));
            }
        }
        cliProperties.forEach((k, v) -> put(merged, origin, k, v, "the command line"));
        validate(merged, origin);
        return new Settings(home, merged);
    }

    private static void put(Map<String, String> merged, Map<String, String> origin, String key, String value, String from) {
        merged.put(key.trim(), value.trim());
        origin.put(key.trim(), from);
    }

    private static void validate(Map<String, String> merged, Map<String, String> origin) {
        Map<String, SettingType> known = SettingKeys.all();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            SettingType type = known.get(key);
            if (type == null) {
                throw new ConfigException("unknown property '" + key + "' in " + origin.get(key)
                        + SettingKeys.suggestion(key));
            }
            String value = e.getValue();
            if (value.isEmpty() && SettingKeys.mayBeEmpty(key)) {
                continue;
            }
            if (!type.accepts(value)) {
                String shown = SettingKeys.isSecret(key) ? "(hidden)" : "'" + value + "'";
                throw new ConfigException("property '" + key + "' in " + origin.get(key) + " is " + shown
                        + ", expected " + type.expectation());
            }
        }
    }

    private static Properties readPackaged() {
        Properties p = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream(PACKAGED)) {
            if (in == null) {
                throw new ConfigException("the packaged application.properties is missing from the classpath");
            }
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read the packaged application.properties: " + e.getMessage(), e);
        }
        return p;
    }

    private static Properties readFile(Home home) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(home.propertiesFile(), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read " + home.propertiesFile() + ": " + e.getMessage(), e);
        }
        return p;
    }

    public Home home() {
        return home;
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ConfigException("property '" + key + "' has no value");
        }
        return v;
    }

    public int getInt(String key) {
        return Integer.parseInt(get(key));
    }

    public List<String> getList(String key) {
        return SettingType.split(get(key));
    }

    /** A value that may be left empty to mean "derive it" (for example the JDBC URL defaults to the home's H2 file). */
    public String getOrDefault(String key, String derived) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? derived : v;
    }

    /** Everything, for camel-main's property placeholders ({@code {{deviceguard.mqtt.port}}} in routes). */
    public Map<String, String> all() {
        return values;
    }
}
