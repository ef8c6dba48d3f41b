package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.device.DeviceId;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.pki.SecretFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deviceguard device ...}: the device registry. Over the admin API when logged in (admin, operator); with
 * {@code --home DIR}, or when not logged in, as a host command against the home's database.
 */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Manage devices.",
        subcommands = {DeviceCommand.Create.class, DeviceCommand.ListDevices.class, DeviceCommand.Show.class,
                DeviceCommand.Sign.class, DeviceImportCommand.class, DeviceStatusCommands.Revoke.class,
                DeviceStatusCommands.Suspend.class, DeviceStatusCommands.Resume.class})
public final class DeviceCommand {

    static final String ROW = "%-64s %-10s %-24s %s%n";

    /** {@code device create ID}: issue a certificate, register the device ACTIVE, write its files. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Issue a certificate for ID from the device CA, register ID as ACTIVE and write",
                    "ID.key, ID.pem, ID.p12 (password in ID.p12.password), ca.pem and command-signing.pem to the output directory.",
                    "Over the admin API when logged in; with --home (or when not logged in) on the host,",
                    "against the home's database; works while the platform runs."})
    static final class Create implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Parameters(index = "0", paramLabel = "ID", description = "Device ID: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
        String id;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where to write the files (default: ${DEFAULT-VALUE})")
        Path out;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            DeviceId.require(id);
            Optional<ApiClient> api = Connection.api(spec, home);
            if (api.isPresent()) {
                return viaApi(api.get());
            }
            Settings settings = home.settings(Map.of());
            try (PlatformServices s = PlatformServices.open(settings, false)) {
                DeviceEnrollment.Bundle b = new DeviceEnrollment(s.pki(), s.registry(), s.audit()).createWithHostKey(id,
                        out, Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS)), HostUser.name());
                spec.commandLine().getOut().printf("Device %s registered (ACTIVE), certificate %s valid until %s%n",
                        id, b.device().certFingerprint(), b.device().notAfter());
                spec.commandLine().getOut().printf("Wrote %s, %s, %s, %s, %s%n", b.key(), b.certificate(), b.pkcs12(),
                        b.pkcs12Password(), b.ca());
            }
            return 0;
        }

        /** The platform makes the key and hands it over once; written here as the host command writes it. */
        private int viaApi(ApiClient api) {
            JsonNode r = api.post("/api/v1/devices", Map.of("id", id));
            JsonNode files = r.path("files");
            Path key = out.resolve(id + ".key");
            Path pem = out.resolve(id + ".pem");
            Path p12 = out.resolve(id + ".p12");
            Path p12Password = out.resolve(id + ".p12.password");
            Path ca = out.resolve("ca.pem");
            try {
                Files.createDirectories(out.toAbsolutePath());
                SecretFiles.writeOwnerOnly(key, files.path("key").asText().getBytes(StandardCharsets.US_ASCII));
                Files.writeString(pem, files.path("certificate").asText(), StandardCharsets.US_ASCII);
                SecretFiles.writeOwnerOnly(p12, Base64.getDecoder().decode(files.path("pkcs12").asText()));
                SecretFiles.writeOwnerOnly(p12Password, (files.path("pkcs12Password").asText() + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                Files.writeString(ca, files.path("ca").asText(), StandardCharsets.US_ASCII);
                Files.writeString(out.resolve(io.deviceguard.pki.Pki.COMMAND_CERT), files.path("commandSigning").asText(),
                        StandardCharsets.US_ASCII);
            } catch (IOException | IllegalArgumentException e) {
                throw new CliFailure("device " + id + " is registered, but its files could not be written to " + out
                        + ": " + e.getMessage() + " (its key is lost: revoke it and create another)", e);
            }
            JsonNode d = r.path("device");
            spec.commandLine().getOut().printf("Device %s registered (ACTIVE), certificate %s valid until %s%n",
                    id, d.path("certFingerprint").asText(), d.path("notAfter").asText());
            spec.commandLine().getOut().printf("Wrote %s, %s, %s, %s, %s%n", key, pem, p12, p12Password, ca);
            return 0;
        }
    }

    /** {@code device list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List registered devices, by ID.")
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "At most N devices (default ${DEFAULT-VALUE})")
        int limit;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 10_000) {
                throw new IllegalArgumentException("--limit must be between 1 and 10000");
            }
            Optional<ApiClient> api = Connection.api(spec, home);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(ROW, "ID", "STATUS", "NOT AFTER (UTC)", "CERTIFICATE SHA-256");
            if (api.isPresent()) {
                for (JsonNode d : api.get().get("/api/v1/devices", Map.of("limit", Integer.toString(limit))).path("devices")) {
                    out.printf(ROW, d.path("id").asText(), d.path("status").asText(), d.path("notAfter").asText(),
                            d.path("certFingerprint").asText());
                }
            } else {
                try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                    for (Device d : s.registry().list(limit)) {
                        out.printf(ROW, d.id(), d.status(), d.notAfter(), d.certFingerprint());
                    }
                }
            }
            return 0;
        }
    }

    /** {@code device show ID}. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one device's registry entry.")
    static final class Show implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            DeviceId.require(id);
            PrintWriter out = spec.commandLine().getOut();
            Optional<ApiClient> api = Connection.api(spec, home);
            if (api.isPresent()) {
                JsonNode d = api.get().get("/api/v1/devices/" + id, Map.of());
                print(out, d.path("id").asText(), d.path("status").asText(), d.path("certFingerprint").asText(),
                        d.path("certSerial").asText(), d.path("notAfter").asText(), d.path("createdAt").asText());
            } else {
                try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                    Device d = s.registry().find(id).orElseThrow(() -> new CliFailure("no device '" + id + "'"));
                    print(out, d.id(), d.status().name(), d.certFingerprint(), d.certSerial(), d.notAfter().toString(),
                            d.createdAt().toString());
                }
            }
            return 0;
        }

        private static void print(PrintWriter out, String id, String status, String fingerprint, String serial,
                                  String notAfter, String created) {
            out.printf("ID:                  %s%nStatus:              %s%nCertificate SHA-256: %s%n"
                    + "Certificate serial:  %s%nNot after (UTC):     %s%nRegistered (UTC):    %s%n",
                    id, status, fingerprint, serial, notAfter, created);
        }
    }

    /** {@code device sign ID}: what a device does before it publishes, for trying the platform with mosquitto_pub. */
    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = {"Print a signed message envelope (compact JWS, ES256, kid = ID) as device ID would publish it:",
                    "{\"deviceId\",\"type\",\"msgId\",\"ts\",\"data\"} with a fresh msgId and the current time. For example:",
                    "  mosquitto_pub ... -m \"$(./deviceguard device sign dev1 --key devices/dev1.key --data '{\"temp\":21.5}')\""})
    static final class Sign implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The device ID (the certificate's CN)")
        String id;

        @Option(names = "--key", paramLabel = "FILE", required = true, description = "The device's private key (PEM)")
        Path key;

        @Option(names = "--type", paramLabel = "T", defaultValue = "telemetry", description = "telemetry or event (default ${DEFAULT-VALUE})")
        String type;

        @Option(names = "--data", paramLabel = "JSON", required = true, description = "The data object, e.g. '{\"temp\":21.5}'")
        String data;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            io.deviceguard.device.DeviceId.require(id);
            if (!type.equals("telemetry") && !type.equals("event")) {
                throw new IllegalArgumentException("--type must be telemetry or event");
            }
            com.fasterxml.jackson.databind.JsonNode d = new com.fasterxml.jackson.databind.ObjectMapper().readTree(data);
            if (d == null || !d.isObject()) {
                throw new IllegalArgumentException("--data must be a JSON object");
            }
            com.fasterxml.jackson.databind.node.ObjectNode payload = io.deviceguard.sdk.Envelope.payload(id, type,
                    java.util.UUID.randomUUID().toString(), System.currentTimeMillis(), java.util.Map.of());
            payload.set("data", d);
            spec.commandLine().getOut().println(io.deviceguard.sdk.Envelope.sign(io.deviceguard.pki.Pem.readPrivateKey(key), id,
                    payload.toString()));
            return 0;
        }
    }
}
