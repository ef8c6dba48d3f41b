package io.deviceguard.cli;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.platform.PlatformServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code deviceguard device ...}: the device registry. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Manage devices.",
        subcommands = {DeviceCommand.Create.class, DeviceCommand.Sign.class})
public final class DeviceCommand {

    /** {@code device create ID}: issue a certificate, register the device ACTIVE, write its files. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Issue a certificate for ID from the device CA, register ID as ACTIVE and write",
                    "ID.key, ID.pem, ID.p12 (password in ID.p12.password) and ca.pem to the output directory.",
                    "Runs on the host, against the home's database; works while the platform runs."})
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
            io.deviceguard.device.DeviceId.require(id);
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
