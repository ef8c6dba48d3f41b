package io.deviceguard.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Verify, export, checkpoint and archive: what {@code deviceguard audit ...} does, for one home. */
public final class AuditTools {

    private final DataSource dataSource;
    private final CheckpointStore checkpoints;
    private final PublicKey auditKey;

    public AuditTools(DataSource dataSource, CheckpointStore checkpoints, PublicKey auditKey) {
        this.dataSource = dataSource;
        this.checkpoints = checkpoints;
        this.auditKey = auditKey;
    }

    /** Verifies the database's chain against the checkpoints kept outside it (and those inside) and the head record. */
    public AuditVerifier.Result verifyDatabase() throws IOException {
        List<Checkpoint> cps = new ArrayList<>(CheckpointStore.readFile(checkpoints.file()));
        cps.addAll(checkpoints.readDatabase());
        Optional<AuditVerifier.Head> head = CheckpointStore.readHead(checkpoints.headFile());
        return AuditVerifier.verify(new AuditTrail(dataSource).all().iterator(), cps, head.orElse(null), auditKey);
    }

    /** Verifies an export file on its own; an export without its seal is reported as truncated. */
    public static AuditVerifier.Result verifyExport(Path file, PublicKey auditKey) throws IOException {
        AuditExport.Parsed p;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p = AuditExport.read(in);
        }
        AuditVerifier.Result r = AuditVerifier.verify(p.rows().iterator(), p.checkpoints(), null, auditKey);
        if (r.intact() && !p.sealed()) {
            long last = p.rows().isEmpty() ? 0 : p.rows().get(p.rows().size() - 1).seq();
            return new AuditVerifier.Result(r.rowsChecked(), r.firstSeq(), r.lastSeq(), r.checkpointsChecked(),
                    new AuditVerifier.Problem(last + 1, "missing: the export ends without its seal (truncated)"));
        }
        return r;
    }

    /**
     * Writes rows from {@code since} (null: all) as JSON Lines with their checkpoints and a seal, or as CSV. The
     * database is verified first: a trail that does not verify is not exported (a seal must never vouch for it).
     */
    public long export(PrintWriter out, Instant since, String format) throws IOException {
        AuditVerifier.Result check = verifyDatabase();
        if (!check.intact()) {
            throw new IllegalStateException("the audit trail does not verify, refusing to export it: " + check.problem());
        }
        AuditTrail trail = new AuditTrail(dataSource);
        long from = since == null ? 0 : trail.firstSeqAtOrAfter(since);
        if (since != null && from == 0) {
            from = Long.MAX_VALUE;
        }
        List<AuditRecord> rows = new ArrayList<>();
        trail.forEach(from, rows::add);
        if ("csv".equals(format)) {
            AuditExport.writeCsvHeader(out);
            rows.forEach(r -> AuditExport.writeCsvRow(out, r));
            out.flush();
            return rows.size();
        }
        List<Checkpoint> cps = checkpoints.readDatabase();
        AuditExport.writeHeader(out, rows.isEmpty() ? 0 : rows.get(0).seq());
        if (!rows.isEmpty() && rows.get(0).seq() > 1) {
            // vouch for where the export starts: a signed checkpoint of the row before it (the trail verified above)
            AuditRecord first = rows.get(0);
            AuditExport.writeCheckpoint(out, Checkpoint.sign(first.seq() - 1, first.prevHash(), Instant.now(), "base",
                    checkpoints.key()));
        }
        for (AuditRecord r : rows) {
            AuditExport.writeRow(out, r);
            cps.stream().filter(c -> c.seq() == r.seq()).forEach(c -> AuditExport.writeCheckpoint(out, c));
        }
        if (!rows.isEmpty()) {
            AuditRecord last = rows.get(rows.size() - 1);
            AuditExport.writeCheckpoint(out, Checkpoint.sign(last.seq(), last.hash(), Instant.now(), "seal", checkpoints.key()));
        }
        out.flush();
        return rows.size();
    }

    /** The result of a retention cut. */
    public record Archived(long rows, long throughSeq, Path file) {
    }

    /**
     * Moves rows older than {@code before} to {@code file} (a sealed JSON Lines export), signs a retention checkpoint
     * of the last one, and deletes them: {@code verify} keeps working across the cut.
     */
    public Archived archive(Instant before, Path file) throws IOException {
        AuditVerifier.Result check = verifyDatabase();
        if (!check.intact()) {
            throw new IllegalStateException("the audit trail does not verify, refusing to archive it: " + check.problem());
        }
        AuditTrail trail = new AuditTrail(dataSource);
        long through = trail.lastSeqBefore(before);
        if (through == 0) {
            return new Archived(0, 0, file);
        }
        List<AuditRecord> rows = new ArrayList<>();
        trail.forEach(0, r -> {
            if (r.seq() <= through) {
                rows.add(r);
            }
        });
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            AuditExport.writeHeader(out, rows.get(0).seq());
            if (rows.get(0).seq() > 1) {
                AuditExport.writeCheckpoint(out, Checkpoint.sign(rows.get(0).seq() - 1, rows.get(0).prevHash(), Instant.now(),
                        "base", checkpoints.key()));
            }
            rows.forEach(r -> AuditExport.writeRow(out, r));
            AuditRecord last = rows.get(rows.size() - 1);
            AuditExport.writeCheckpoint(out, Checkpoint.sign(last.seq(), last.hash(), Instant.now(), "seal", checkpoints.key()));
        }
        AuditRecord last = rows.get(rows.size() - 1);
        checkpoints.checkpoint(last.seq(), last.hash(), "retention");
        trail.deleteThrough(through);
        return new Archived(rows.size(), through, file);
    }
}
