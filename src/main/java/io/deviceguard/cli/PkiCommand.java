package io.deviceguard.cli;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.BatchIssue;
import io.deviceguard.platform.PlatformServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pki ...}: the platform's PKI on its host. */
@Command(name = "pki", mixinStandardHelpOptions = true, description = "PKI commands run on the platform's (or factory) host.",
        subcommands = {PkiCommand.IssueBatch.class, PkiCommand.DistrustCa.class})
public final class PkiCommand {

    @Command(name = "issue-batch", mixinStandardHelpOptions = true,
            description = {"For production lines without a secure element: make N key pairs on this host, issue their",
                    "certificates from the device CA, register the devices ACTIVE (all or none) and write one PKCS#12",
                    "per device (ID.p12, password in ID.p12.password), ca.pem and manifest.csv to DIR.",
                    "IDs are PREFIX and a zero-padded number: ACME-000001, ACME-000002, ..."})
    static final class IssueBatch implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Option(names = "--count", paramLabel = "N", required = true, description = "How many devices (1-100000)")
        int count;
        @Option(names = "--prefix", paramLabel = "P", required = true, description = "Device ID prefix, e.g. ACME-")
        String prefix;
        @Option(names = "--start", paramLabel = "K", defaultValue = "1", description = "First number (default ${DEFAULT-VALUE})")
        int start;
        @Option(names = "--model", paramLabel = "M", description = "Device model of the batch")
        String model;
        @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where to write the bundles")
        Path out;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (count < 1 || count > 100_000) {
                throw new IllegalArgumentException("--count must be between 1 and 100000");
            }
            if (start < 0) {
                throw new IllegalArgumentException("--start must be 0 or more");
            }
            Settings settings = home.settings(Map.of());
            ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "issuing", count);
            try (PlatformServices s = PlatformServices.open(settings, false)) {
                BatchIssue.Result r = new BatchIssue(s.pki(), s.registry(), s.audit()).issue(prefix, start, count, model,
                        out, Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS)), HostUser.name(), bar::step);
                spec.commandLine().getOut().printf("Issued and registered %d device(s) %s .. %s in %.1f s; bundles in %s%n",
                        r.ids().size(), r.ids().get(0), r.ids().get(r.ids().size() - 1), r.millis() / 1000.0, out);
            }
            return 0;
        }
    }

    @Command(name = "distrust-ca", mixinStandardHelpOptions = true,
            description = {"Distrust the device CA in CA_FILE: every device it issued is refused from the next CONNECT on",
                    "(a running platform closes their sessions when told over the API; here only the registry changes)."})
    static final class DistrustCa implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "CA_FILE")
        Path ca;
        @Option(names = "--reason", paramLabel = "TEXT", required = true)
        String reason;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                new io.deviceguard.device.DeviceLifecycle(s.pki(), s.registry(), s.certificates(), s.audit(),
                        DeviceStatusCommands.NO_BROKER).distrustCa(io.deviceguard.pki.Pem.readCertificate(ca), reason,
                        HostUser.name());
                spec.commandLine().getOut().printf("Distrusted %s: its devices are refused from their next connect%n", ca);
            }
            return 0;
        }
    }
}
