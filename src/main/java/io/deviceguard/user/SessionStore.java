package io.deviceguard.user;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code user_sessions} table, keyed by the SHA-256 of the token. */
final class SessionStore {

    /** Why a session ended; stored so that a later call with its token learns why it is refused. */
    enum EndReason { LOGOUT, IDLE, LIFETIME, DISABLED }

    /** A session row joined with its account's current role and state. */
    record Row(String tokenHash, String username, Role role, boolean userEnabled, Instant createdAt, Instant lastUsedAt,
               Instant expiresAt, Instant revokedAt, EndReason endReason) {
    }

    private final DataSource dataSource;

    SessionStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void insert(String tokenHash, String username, Instant now, Instant expiresAt, String source) {
        String sql = "insert into user_sessions (token_hash, username, created_at, last_used_at, expires_at, source)"
                + " values (?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tokenHash);
            ps.setString(2, username);
            Sql.setInstant(ps, 3, now);
            Sql.setInstant(ps, 4, now);
            Sql.setInstant(ps, 5, expiresAt);
            ps.setString(6, source == null || source.length() <= 64 ? source : source.substring(0, 64));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot store a session", e);
        }
    }

    Optional<Row> find(String tokenHash) {
        String sql = "select s.token_hash, s.username, u.role, u.enabled, s.created_at, s.last_used_at, s.expires_at,"
                + " s.revoked_at, s.revoke_reason from user_sessions s join users u on u.username = s.username"
                + " where s.token_hash = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tokenHash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String reason = rs.getString("revoke_reason");
                return Optional.of(new Row(rs.getString("token_hash").trim(), rs.getString("username"),
                        Role.valueOf(rs.getString("role")), rs.getBoolean("enabled"), Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "last_used_at"), Sql.instant(rs, "expires_at"), Sql.instant(rs, "revoked_at"),
                        reason == null ? null : EndReason.valueOf(reason)));
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot read a session", e);
        }
    }

    void touch(String tokenHash, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update user_sessions set last_used_at = ? where token_hash = ?")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, tokenHash);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot update a session", e);
        }
    }

    /** Ends one session; false when it had ended already (so that its end is audited once). */
    boolean end(String tokenHash, EndReason reason, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update user_sessions set revoked_at = ?, revoke_reason = ?"
                     + " where token_hash = ? and revoked_at is null")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, reason.name());
            ps.setString(3, tokenHash);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot end a session", e);
        }
    }

    /** Ends every live session of {@code username}; returns how many there were. */
    int endAll(String username, EndReason reason, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update user_sessions set revoked_at = ?, revoke_reason = ?"
                     + " where username = ? and revoked_at is null")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, reason.name());
            ps.setString(3, username);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot end the sessions of " + username, e);
        }
    }

    /** Forgets sessions that ended long ago; their story stays in the audit trail. */
    void purgeEndedBefore(Instant cutoff) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from user_sessions where expires_at < ?")) {
            Sql.setInstant(ps, 1, cutoff);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot purge old sessions", e);
        }
    }
}
