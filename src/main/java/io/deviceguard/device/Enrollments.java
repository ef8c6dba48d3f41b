package io.deviceguard.device;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.sql.DataSource;

/** One-time field enrollments: who opened one for which device ID, its claim certificate, and whether it is spent. */
public final class Enrollments {

    /** OPEN until its one CSR arrives; then USED (certificate issued) or REFUSED (the CSR failed a check). */
    public enum Status { OPEN, USED, REFUSED }

    public record Enrollment(String id, String deviceId, String claimFingerprint, Status status, String createdBy,
                             Instant createdAt, Instant expiresAt, Instant usedAt, String outcome) {
        public boolean expired(Instant now) {
            return !now.isBefore(expiresAt);
        }
    }

    private final DataSource dataSource;

    public Enrollments(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void open(Enrollment e) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into enrollments (id, device_id, claim_fingerprint, status,"
                     + " created_by, created_at, expires_at) values (?, ?, ?, 'OPEN', ?, ?, ?)")) {
            ps.setString(1, e.id());
            ps.setString(2, e.deviceId());
            ps.setString(3, e.claimFingerprint());
            ps.setString(4, e.createdBy());
            ps.setObject(5, utc(e.createdAt()));
            ps.setObject(6, utc(e.expiresAt()));
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw new DeviceRegistry.RegistryException("cannot store enrollment " + e.id(), ex);
        }
    }

    public Optional<Enrollment> find(String id) {
        return one("select id, device_id, claim_fingerprint, status, created_by, created_at, expires_at, used_at, outcome"
                + " from enrollments where id = ?", id);
    }

    public Optional<Enrollment> byClaim(String fingerprint) {
        return one("select id, device_id, claim_fingerprint, status, created_by, created_at, expires_at, used_at, outcome"
                + " from enrollments where claim_fingerprint = ?", fingerprint);
    }

    /**
     * Burns an OPEN enrollment: true for the one caller that moved it out of OPEN (a compare-and-set, so two CSRs
     * racing on two nodes cannot both be signed), false when it was spent already.
     */
    public boolean burn(String id, Status to, String outcome) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update enrollments set status = ?, used_at = ?, outcome = ?"
                     + " where id = ? and status = 'OPEN'")) {
            ps.setString(1, to.name());
            ps.setObject(2, utc(Instant.now()));
            ps.setString(3, outcome.length() > 64 ? outcome.substring(0, 64) : outcome);
            ps.setString(4, id);
            return ps.executeUpdate() == 1;
        } catch (SQLException ex) {
            throw new DeviceRegistry.RegistryException("cannot update enrollment " + id, ex);
        }
    }

    private Optional<Enrollment> one(String sql, String p) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, p);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Enrollment(rs.getString(1), rs.getString(2), rs.getString(3).trim(),
                        Status.valueOf(rs.getString(4)), rs.getString(5), instant(rs, 6), instant(rs, 7), instant(rs, 8),
                        rs.getString(9)));
            }
        } catch (SQLException ex) {
            throw new DeviceRegistry.RegistryException("cannot read enrollments", ex);
        }
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant i) {
        return i.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC);
    }
}
