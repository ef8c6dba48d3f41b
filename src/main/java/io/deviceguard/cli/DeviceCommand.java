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
        subcommands = {DeviceCommand.Create.class})
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
}
