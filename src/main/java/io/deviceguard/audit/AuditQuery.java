package io.deviceguard.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Reads the audit trail: newest first, with optional filters. */
public final class AuditQuery {

    private final DataSource dataSource;

    public AuditQuery(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Filters; null means any. */
    public record Filter(String category, String actor, String action, String outcome) {
        public static final Filter ANY = new Filter(null, null, null, null);
    }

    public List<AuditRecord> newest(int limit, Filter f) {
        StringBuilder sql = new StringBuilder("select seq, ts, category, actor_type, actor, action, target, outcome,"
                + " details, prev_hash, hash from audit_events where 1 = 1");
        List<String> args = new ArrayList<>();
        add(sql, args, "category", f.category());
        add(sql, args, "actor", f.actor());
        add(sql, args, "action", f.action());
        add(sql, args, "outcome", f.outcome());
        sql.append(" order by seq desc");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            ps.setMaxRows(limit);
            List<AuditRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit trail: " + e.getMessage(), e);
        }
    }

    /**
     * Rows matching every filter of {@code s} that is set, newest first. A user filter matches the rows the user did
     * and those about the account ({@code target = user:NAME}); a device filter the rows the device did and those
     * about it.
     */
    public List<AuditRecord> search(AuditSearch s) {
        StringBuilder sql = new StringBuilder("select seq, ts, category, actor_type, actor, action, target, outcome,"
                + " details, prev_hash, hash from audit_events where 1 = 1");
        List<Object> args = new ArrayList<>();
        if (s.category() != null) {
            sql.append(" and category = ?");
            args.add(s.category());
        }
        if (s.user() != null) {
            sql.append(" and ((actor_type = 'user' and actor = ?) or target = ?)");
            args.add(s.user());
            args.add("user:" + s.user());
        }
        if (s.device() != null) {
            sql.append(" and ((actor_type = 'device' and actor = ?) or target = ?)");
            args.add(s.device());
            args.add(s.device());
        }
        if (s.outcome() != null) {
            sql.append(" and outcome = ?");
            args.add(s.outcome());
        }
        if (s.since() != null) {
            sql.append(" and ts >= ?");
            args.add(s.since().atOffset(java.time.ZoneOffset.UTC));
        }
        if (s.until() != null) {
            sql.append(" and ts < ?");
            args.add(s.until().atOffset(java.time.ZoneOffset.UTC));
        }
        if (s.beforeSeq() != null) {
            sql.append(" and seq < ?");
            args.add(s.beforeSeq());
        }
        sql.append(" order by seq desc");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            ps.setMaxRows(s.limit());
            List<AuditRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the audit trail: " + e.getMessage(), e);
        }
    }

    private static void add(StringBuilder sql, List<String> args, String column, String value) {
        if (value != null) {
            sql.append(" and ").append(column).append(" = ?");
            args.add(value);
        }
    }

    static AuditRecord map(ResultSet rs) throws SQLException {
        return new AuditRecord(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                rs.getString(10).trim(), rs.getString(11).trim());
    }
}
