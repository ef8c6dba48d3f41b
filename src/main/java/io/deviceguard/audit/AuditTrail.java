package io.deviceguard.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** The stored chain, read in sequence order (for verification, export and retention). */
public final class AuditTrail {

    private static final String COLUMNS = "seq, ts, category, actor_type, actor, action, target, outcome, details, prev_hash, hash";
    private final DataSource dataSource;

    public AuditTrail(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Every row with {@code seq >= fromSeq}, in order, streamed in pages. */
    public void forEach(long fromSeq, Consumer<AuditRecord> each) {
        long next = fromSeq;
        while (true) {
            List<AuditRecord> page = page(next, 5_000);
            page.forEach(each);
            if (page.size() < 5_000) {
                return;
            }
            next = page.get(page.size() - 1).seq() + 1;
        }
    }

    public List<AuditRecord> all() {
        List<AuditRecord> out = new ArrayList<>();
        forEach(0, out::add);
        return out;
    }

    private List<AuditRecord> page(long fromSeq, int size) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from audit_events where seq >= ? order by seq")) {
            ps.setLong(1, fromSeq);
            ps.setMaxRows(size);
            List<AuditRecord> out = new ArrayList<>(size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(AuditQuery.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit trail: " + e.getMessage(), e);
        }
    }

    /** The first sequence number whose row is at or after {@code ts}; 0 when the trail is empty. */
    public long firstSeqAtOrAfter(Instant ts) {
        return scalar("select coalesce(min(seq), 0) from audit_events where ts >= ?", ts);
    }

    /** The last sequence number whose row is before {@code ts}; 0 when there is none. */
    public long lastSeqBefore(Instant ts) {
        return scalar("select coalesce(max(seq), 0) from audit_events where ts < ?", ts);
    }

    /** Deletes rows up to and including {@code seq} (after they were archived and a retention checkpoint signed). */
    public int deleteThrough(long seq) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from audit_events where seq <= ?")) {
            ps.setLong(1, seq);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete archived audit rows: " + e.getMessage(), e);
        }
    }

    private long scalar(String sql, Instant ts) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, ts.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit trail: " + e.getMessage(), e);
        }
    }
}
