package io.deviceguard.audit;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks an audit trail offline: every row's hash over its content, every link to the previous row, contiguous
 * sequence numbers, the signatures of the checkpoints and that each checkpointed row still has its signed hash,
 * and that the trail reaches the last known row (a checkpoint, an export's seal, or the head record). Stops at the
 * first problem and names the row where it is.
 */
public final class AuditVerifier {

    /** The last row the writer wrote; beyond a signed checkpoint, it reveals a truncated tail. */
    public record Head(long seq, String hash) {
    }

    /** Where the trail is first wrong, and how. */
    public record Problem(long seq, String what) {
        @Override
        public String toString() {
            return "row " + seq + ": " + what;
        }
    }

    /** The verdict. */
    public record Result(long rowsChecked, long firstSeq, long lastSeq, int checkpointsChecked, Problem problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    private AuditVerifier() {
    }

    public static Result verify(Iterator<AuditRecord> rows, List<Checkpoint> checkpoints, Head head, PublicKey key) {
        Map<Long, Checkpoint> bySeq = new HashMap<>();
        long maxCheckpoint = 0;
        for (Checkpoint cp : checkpoints) {
            if (!cp.verify(key)) {
                return new Result(0, 0, 0, 0, new Problem(cp.seq(), "its " + cp.kind() + " checkpoint has an invalid signature"));
            }
            Checkpoint other = bySeq.putIfAbsent(cp.seq(), cp);
            if (other != null && !other.hash().equals(cp.hash())) {
                return new Result(0, 0, 0, 0, new Problem(cp.seq(), "two signed checkpoints disagree on its hash"));
            }
            maxCheckpoint = Math.max(maxCheckpoint, cp.seq());
        }
        AuditRecord prev = null;
        long first = 0;
        long count = 0;
        while (rows.hasNext()) {
            AuditRecord row = rows.next();
            Problem p = check(prev, row, bySeq);
            if (p != null) {
                return new Result(count, first, prev == null ? 0 : prev.seq(), checkpoints.size(), p);
            }
            if (prev == null) {
                first = row.seq();
            }
            prev = row;
            count++;
        }
        long last = prev == null ? 0 : prev.seq();
        if (maxCheckpoint > last) {
            return new Result(count, first, last, checkpoints.size(), new Problem(last + 1,
                    "missing: the trail ends at row " + last + " but a signed checkpoint names row " + maxCheckpoint + " (truncated)"));
        }
        if (head != null && head.seq() > last) {
            return new Result(count, first, last, checkpoints.size(), new Problem(last + 1,
                    "missing: the trail ends at row " + last + " but the writer's head record is at row " + head.seq() + " (truncated)"));
        }
        if (head != null && head.seq() == last && prev != null && !head.hash().equals(prev.hash())) {
            return new Result(count, first, last, checkpoints.size(), new Problem(last, "differs from the writer's head record"));
        }
        return new Result(count, first, last, checkpoints.size(), null);
    }

    private static Problem check(AuditRecord prev, AuditRecord row, Map<Long, Checkpoint> bySeq) {
        if (prev == null) {
            if (row.seq() != 1) {
                Checkpoint cut = bySeq.get(row.seq() - 1);
                if (cut == null) {
                    return new Problem(row.seq() - 1, "missing: the trail starts at row " + row.seq()
                            + " and no signed checkpoint vouches for the rows before it");
                }
                if (!cut.hash().equals(row.prevHash())) {
                    return new Problem(row.seq(), "does not follow the signed checkpoint of row " + cut.seq());
                }
            } else if (!AuditRecord.GENESIS.equals(row.prevHash())) {
                return new Problem(1, "does not start the chain (previous hash is not the genesis value)");
            }
        } else {
            if (row.seq() > prev.seq() + 1) {
                return new Problem(prev.seq() + 1, "missing or moved: row " + row.seq() + " follows row " + prev.seq());
            }
            if (row.seq() <= prev.seq()) {
                return new Problem(row.seq(), "out of order or inserted: a second row " + row.seq() + " follows row " + prev.seq());
            }
        }
        if (!row.selfConsistent()) {
            return new Problem(row.seq(), "altered: its content does not match its hash");
        }
        if (prev != null && !row.prevHash().equals(prev.hash())) {
            return new Problem(row.seq(), "does not follow row " + prev.seq() + " (chain broken: a row was replaced or inserted)");
        }
        Checkpoint cp = bySeq.get(row.seq());
        if (cp != null && !cp.hash().equals(row.hash())) {
            return new Problem(row.seq(), "differs from its signed " + cp.kind() + " checkpoint (the chain was rewritten)");
        }
        return null;
    }
}
