package io.deviceguard.cli;

import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.AuditRecord;
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

/** {@code deviceguard audit ...}: the audit trail. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read the audit trail.",
        subcommands = {AuditCommand.ListRows.class})
public final class AuditCommand {

    /** {@code audit list}: newest rows first. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the newest audit rows.")
    static final class ListRows implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "How many rows (default ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--category", paramLabel = "C", description = "Only this category: platform, connection, acl, message, device, error")
        String category;

        @Option(names = "--device", paramLabel = "ID", description = "Only rows whose actor is this device")
        String device;

        @Option(names = "--outcome", paramLabel = "O", description = "Only this outcome: success, denied, failure")
        String outcome;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 100_000) {
                throw new IllegalArgumentException("--limit must be between 1 and 100000");
            }
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                List<AuditRecord> rows = s.auditQuery().newest(limit,
                        new AuditQuery.Filter(category, device, null, outcome));
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-8s %-24s %-10s %-9s %-24s %-14s %-28s %s%n",
                        "SEQ", "TIME (UTC)", "CATEGORY", "OUTCOME", "ACTOR", "ACTION", "TARGET", "DETAILS");
                for (AuditRecord r : rows) {
                    out.printf("%-8d %-24s %-10s %-9s %-24s %-14s %-28s %s%n", r.seq(), r.ts(), r.category(),
                            r.outcome(), r.actor(), r.action(), r.target() == null ? "-" : r.target(),
                            r.details() == null ? "" : r.details());
                }
            }
            return 0;
        }
    }
}
