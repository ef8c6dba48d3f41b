package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.audit.AuditSearch;
import io.deviceguard.platform.PlatformServices;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Print the newest audit rows. Over the admin API when logged in (admin, auditor);",
                    "with --home (or when not logged in) on the host, against the home's database."})
    static final class ListRows implements Callable<Integer> {
        private static final String ROW = "%-8s %-24s %-10s %-9s %-24s %-14s %-28s %s%n";
        private static final Pattern RELATIVE = Pattern.compile("([0-9]{1,6})([smhd])");

        @Mixin
        HomeOption home;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "How many rows (default ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--category", paramLabel = "C",
                description = "Only this category: platform, connection, acl, message, device, user, api, error")
        String category;

        @Option(names = "--device", paramLabel = "ID", description = "Only rows done by this device or about it")
        String device;

        @Option(names = "--user", paramLabel = "U", description = "Only rows done by this user or about the account")
        String user;

        @Option(names = "--since", paramLabel = "T",
                description = "Only rows from T on: an ISO-8601 UTC time (2025-01-31T12:00:00Z) or an age (30m, 2h, 7d)")
        String since;

        @Option(names = "--outcome", paramLabel = "O", description = "Only this outcome: success, denied, failure")
        String outcome;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 100_000) {
                throw new IllegalArgumentException("--limit must be between 1 and 100000");
            }
            Instant from = since(since);
            Optional<ApiClient> api = Connection.api(spec, home);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(ROW, "SEQ", "TIME (UTC)", "CATEGORY", "OUTCOME", "ACTOR", "ACTION", "TARGET", "DETAILS");
            if (api.isPresent()) {
                Map<String, String> q = new LinkedHashMap<>();
                q.put("category", category);
                q.put("device", device);
                q.put("user", user);
                q.put("outcome", outcome);
                q.put("since", from == null ? null : from.toString());
                q.put("limit", Integer.toString(limit));
                for (JsonNode r : api.get().get("/api/v1/audit", q).path("events")) {
                    out.printf(ROW, r.path("seq").asText(), r.path("ts").asText(), r.path("category").asText(),
                            r.path("outcome").asText(), r.path("actor").asText(), r.path("action").asText(),
                            r.path("target").isTextual() ? r.path("target").asText() : "-",
                            r.path("details").isObject() ? r.path("details").toString() : "");
                }
                return 0;
            }
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                List<AuditRecord> rows = s.auditQuery().search(new AuditSearch(category, user, device, outcome, from, limit));
                for (AuditRecord r : rows) {
                    out.printf(ROW, r.seq(), r.ts(), r.category(), r.outcome(), r.actor(), r.action(),
                            r.target() == null ? "-" : r.target(), r.details() == null ? "" : r.details());
                }
            }
            return 0;
        }

        static Instant since(String value) {
            if (value == null) {
                return null;
            }
            Matcher m = RELATIVE.matcher(value);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                return Instant.now().minus(d);
            }
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--since '" + value + "': give an ISO-8601 UTC time such as"
                        + " 2025-01-31T12:00:00Z, or an age such as 30m, 2h or 7d");
            }
        }
    }
}
