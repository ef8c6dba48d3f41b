package io.deviceguard.config;

import java.nio.file.Path;

/**
 * The layout of a deviceguard home directory: {@code certs/} (generated PKI), {@code data/} (database and broker
 * journal) and an optional {@code application.properties} that overrides the packaged defaults.
 */
public record Home(Path root) {

    public Home {
        root = root.toAbsolutePath().normalize();
    }

    public Path certs() {
        return root.resolve("certs");
    }

    public Path data() {
        return root.resolve("data");
    }

    public Path brokerData() {
        return data().resolve("broker");
    }

    public Path propertiesFile() {
        return root.resolve("application.properties");
    }

    /** A user-edited broker.xml in the home wins over the packaged one. */
    public Path brokerXml() {
        return root.resolve("broker").resolve("broker.xml");
    }
}
