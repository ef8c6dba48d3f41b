package io.deviceguard.cli;

import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.AuditTools;
import io.deviceguard.audit.AuditVerifier;
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
        subcommands = {AuditCommand.ListRows.class, AuditCommand.Export.class, AuditCommand.Verify.class,
                AuditCommand.CheckpointNow.class, AuditCommand.Archive.class})
public final class AuditCommand {

    /** Exit code of {@code audit verify} when the trail is not intact. */
    public static final int EXIT_TAMPERED = 3;

    static AuditTools tools(PlatformServices s) {
        return new AuditTools(s.database().dataSource(), s.checkpoints(), s.pki().auditCertificate().getPublicKey());
    }

    /** {@code audit export}: JSON Lines (verifiable) or CSV, to standard output. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write the audit trail to standard output: jsonl (with signed checkpoints and a seal; verifiable",
                    "with 'audit verify --export') or csv. The trail is verified first; a tampered trail is not exported."})
    static final class Export implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--since", paramLabel = "T", description = "Rows at or after T: 2026-11-26, 2026-11-26T10:00:00Z, or 24h / 7d ago")
        String since;

        @Option(names = "--format", paramLabel = "F", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE})")
        String format;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!format.equals("jsonl") && !format.equals("csv")) {
                throw new IllegalArgumentException("--format must be jsonl or csv");
            }
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                long n = tools(s).export(spec.commandLine().getOut(), since == null ? null : TimeArgument.parse(since), format);
                spec.commandLine().getErr().println("exported " + n + " rows");
            }
            return 0;
        }
    }

    /** {@code audit verify}: offline check of the chain, of a home or of an export file. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify the audit trail offline: row hashes, links, sequence, signed checkpoints, truncation.",
                    "Exit 0 if intact; exit 3 and the first bad row otherwise."})
    static final class Verify implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--export", paramLabel = "FILE", description = "Verify this jsonl export instead of the home's database")
        java.nio.file.Path export;

        @Option(names = "--cert", paramLabel = "FILE", description = "The audit signing certificate (default HOME/certs/audit-signing.pem)")
        java.nio.file.Path cert;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            AuditVerifier.Result r;
            if (export != null) {
                java.security.cert.X509Certificate c = io.deviceguard.pki.Pem.readCertificate(
                        cert != null ? cert : home.home().certs().resolve(io.deviceguard.pki.Pki.AUDIT_CERT));
                r = AuditTools.verifyExport(export, c.getPublicKey());
            } else {
                try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                    r = tools(s).verifyDatabase();
                }
            }
            if (r.intact()) {
                out.printf("intact: %d rows (seq %d..%d), %d signed checkpoints verified%n", r.rowsChecked(), r.firstSeq(),
                        r.lastSeq(), r.checkpointsChecked());
                return 0;
            }
            out.printf("NOT INTACT: %s%n", r.problem());
            out.printf("(%d rows verified before it)%n", r.rowsChecked());
            return EXIT_TAMPERED;
        }
    }

    /** {@code audit checkpoint}: sign a checkpoint of the newest row now. */
    @Command(name = "checkpoint", mixinStandardHelpOptions = true, description = "Force a signed checkpoint of the newest audit row.")
    static final class CheckpointNow implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                io.deviceguard.audit.Checkpoint cp = s.checkpoints().checkpointHead("manual");
                s.audit().recordAndWait(io.deviceguard.audit.AuditEvent.of(io.deviceguard.audit.AuditCategory.PLATFORM, "checkpoint")
                        .actor(io.deviceguard.audit.AuditEvent.ActorType.USER, HostUser.name()).detail("seq", cp.seq()).build());
                spec.commandLine().getOut().printf("checkpoint signed: row %d, hash %s%n", cp.seq(), cp.hash());
            }
            return 0;
        }
    }

    /** {@code audit archive}: the retention cut. */
    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = {"Move rows older than T to a sealed jsonl file and delete them from the database, leaving a",
                    "signed retention checkpoint so that 'audit verify' stays green across the cut."})
    static final class Archive implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Option(names = "--before", paramLabel = "T", required = true, description = "Archive rows before T (e.g. 2026-01-01 or 365d)")
        String before;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "The archive file to write")
        java.nio.file.Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
                AuditTools.Archived a = tools(s).archive(TimeArgument.parse(before), out);
                s.audit().recordAndWait(io.deviceguard.audit.AuditEvent.of(io.deviceguard.audit.AuditCategory.PLATFORM, "archive")
                        .actor(io.deviceguard.audit.AuditEvent.ActorType.USER, HostUser.name()).target(out.toString())
                        .detail("rows", a.rows()).detail("throughSeq", a.throughSeq()).build());
                spec.commandLine().getOut().printf("archived %d rows (through seq %d) to %s%n", a.rows(), a.throughSeq(), out);
            }
            return 0;
        }
    }

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
                description = "Only this category: platform, connection, acl, message, device, integrity, anomaly, user, api, command, error")
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

        @Option(names = "--until", paramLabel = "T", description = "Only rows before T (same forms as --since)")
        String until;

        @Option(names = "--before", paramLabel = "SEQ", description = "Page back: only rows older than sequence number SEQ")
        Long before;

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
                Instant to = since(until);
                q.put("until", to == null ? null : to.toString());
                q.put("before", before == null ? null : before.toString());
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
                List<AuditRecord> rows = s.auditQuery().search(new AuditSearch(category, user, device, outcome, from, since(until),
                        before, limit));
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
