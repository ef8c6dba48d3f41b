package io.deviceguard.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Export formats. JSON Lines is verifiable on its own: a header line, the rows in order, each signed checkpoint
 * after the row it names, and a final seal (a checkpoint of the last exported row) so that a truncated file is
 * detected. CSV carries the same rows for spreadsheets and is not verifiable.
 */
public final class AuditExport {

    public static final String FORMAT = "deviceguard-audit-export";

    /** An export read back: its rows and its checkpoints (the seal among them). */
    public record Parsed(List<AuditRecord> rows, List<Checkpoint> checkpoints, boolean sealed) {
    }

    private AuditExport() {
    }

    public static void writeHeader(PrintWriter out, long firstSeq) {
        out.println(CheckpointStore.JSON.createObjectNode().put("kind", "header").put("format", FORMAT).put("version", 1)
                .put("firstSeq", firstSeq).put("exportedAt", Instant.now().toString()));
    }

    public static void writeRow(PrintWriter out, AuditRecord r) {
        ObjectNode n = CheckpointStore.JSON.createObjectNode().put("kind", "row").put("seq", r.seq()).put("ts", r.ts().toString())
                .put("category", r.category()).put("actorType", r.actorType()).put("actor", r.actor()).put("action", r.action())
                .put("target", r.target()).put("outcome", r.outcome()).put("details", r.details())
                .put("prevHash", r.prevHash()).put("hash", r.hash());
        out.println(n);
    }

    public static void writeCheckpoint(PrintWriter out, Checkpoint cp) {
        out.println(CheckpointStore.toJson(cp).put("kind", "checkpoint").put("checkpointKind", cp.kind()));
    }

    public static Parsed read(BufferedReader in) throws IOException {
        List<AuditRecord> rows = new ArrayList<>();
        List<Checkpoint> cps = new ArrayList<>();
        boolean header = false;
        boolean sealed = false;
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = CheckpointStore.JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException("line " + lineNo + " is not JSON", e);
            }
            switch (n.path("kind").asText()) {
                case "header" -> header = FORMAT.equals(n.path("format").asText());
                case "row" -> rows.add(new AuditRecord(n.path("seq").asLong(), Instant.parse(n.path("ts").asText()),
                        text(n, "category"), text(n, "actorType"), text(n, "actor"), text(n, "action"), text(n, "target"),
                        text(n, "outcome"), text(n, "details"), text(n, "prevHash"), text(n, "hash")));
                case "checkpoint" -> {
                    Checkpoint cp = new Checkpoint(n.path("seq").asLong(), text(n, "hash"), Instant.parse(n.path("ts").asText()),
                            text(n, "checkpointKind"), text(n, "signature"));
                    cps.add(cp);
                    sealed = "seal".equals(cp.kind());
                }
                default -> throw new IOException("line " + lineNo + " has an unknown kind");
            }
        }
        if (!header) {
            throw new IOException("not a " + FORMAT + " file (no header line)");
        }
        return new Parsed(rows, cps, sealed);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static void writeCsvHeader(PrintWriter out) {
        out.println("seq,ts,category,actor_type,actor,action,target,outcome,details,prev_hash,hash");
    }

    public static void writeCsvRow(PrintWriter out, AuditRecord r) {
        String[] values = {Long.toString(r.seq()), r.ts().toString(), r.category(), r.actorType(), r.actor(), r.action(),
                r.target(), r.outcome(), r.details(), r.prevHash(), r.hash()};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            String v = values[i] == null ? "" : values[i];
            // quote everything that needs it; a leading = + - @ is neutralised against spreadsheet formula injection
            if (v.matches("^[=+\\-@].*") && i > 1) {
                v = "'" + v;
            }
            if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
                v = "\"" + v.replace("\"", "\"\"") + "\"";
            }
            sb.append(v);
        }
        out.println(sb);
    }
}
