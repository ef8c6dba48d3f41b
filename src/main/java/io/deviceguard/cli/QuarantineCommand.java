package io.deviceguard.cli;

import io.deviceguard.integrity.Quarantine;
import io.deviceguard.platform.PlatformServices;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code deviceguard quarantine ...}: messages that failed integrity inspection. */
@Command(name = "quarantine", mixinStandardHelpOptions = true, description = "Messages refused by integrity inspection.",
        subcommands = {QuarantineCommand.ListEntries.class})
public final class QuarantineCommand {

    /** {@code quarantine list}: newest first. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print quarantined messages, newest first.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--device", paramLabel = "ID", description = "Only this device")
        String device;

        @Option(names = "--reason", paramLabel = "R", description = "Only this reason, e.g. bad_signature, replay, schema_violation")
        String reason;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "How many (default ${DEFAULT-VALUE})")
        int limit;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 100_000) {
                throw new IllegalArgumentException("--limit must be between 1 and 100000");
            }
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                List<Quarantine.Entry> rows = s.integrityQuarantine().list(device, reason, limit);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-8s %-24s %-20s %-18s %-7s %s%n", "ID", "RECEIVED (UTC)", "DEVICE", "REASON", "BYTES", "DETAIL");
                for (Quarantine.Entry e : rows) {
                    out.printf("%-8d %-24s %-20s %-18s %-7d %s%n", e.id(), e.receivedAt(), e.deviceId(), e.reason(),
                            e.payloadSize(), e.detail());
                }
            }
            return 0;
        }
    }
}
