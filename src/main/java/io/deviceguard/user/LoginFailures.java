package io.deviceguard.user;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code login_failures} and {@code login_locks} tables: failed logins inside the window, and locked names. */
final class LoginFailures {

    private final DataSource dataSource;

    LoginFailures(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** When the lock on {@code username} ends, if it is locked at {@code now}. */
    Optional<Instant> lockedUntil(String username, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select locked_until from login_locks where username = ? and locked_until > ?")) {
            ps.setString(1, username);
            Sql.setInstant(ps, 2, now);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Sql.instant(rs, "locked_until")) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot read the lock of " + username, e);
        }
    }

    /** Records a failure and returns how many {@code username} has had since {@code windowStart}, this one included. */
    int recordFailure(String username, Instant now, Instant windowStart) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement del = c.prepareStatement("delete from login_failures where failed_at < ?")) {
                // the table holds the window only: names sprayed by an attacker do not pile up
                Sql.setInstant(del, 1, windowStart);
                del.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement("insert into login_failures (username, failed_at) values (?, ?)")) {
                ins.setString(1, username);
                Sql.setInstant(ins, 2, now);
                ins.executeUpdate();
            }
            try (PreparedStatement count = c.prepareStatement(
                    "select count(*) from login_failures where username = ? and failed_at >= ?")) {
                count.setString(1, username);
                Sql.setInstant(count, 2, windowStart);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot record a failed login", e);
        }
    }

    /**
     * Locks {@code username} until {@code until} and forgets its failures, so that the count starts from zero when
     * the lock ends. Returns false when another request locked it first.
     */
    boolean lock(String username, Instant now, Instant until) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement del = c.prepareStatement("delete from login_locks where username = ? and locked_until <= ?")) {
                    del.setString(1, username);
                    Sql.setInstant(del, 2, now);
                    del.executeUpdate();
                }
                try (PreparedStatement ins = c.prepareStatement(
                        "insert into login_locks (username, locked_at, locked_until) values (?, ?, ?)")) {
                    ins.setString(1, username);
                    Sql.setInstant(ins, 2, now);
                    Sql.setInstant(ins, 3, until);
                    ins.executeUpdate();
                }
                clearFailures(c, username);
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                if (Sql.isDuplicateKey(e)) {
                    return false;
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot lock " + username, e);
        }
    }

    /** Ends any lock and forgets the failures: an admin's unlock, or a successful login. */
    void clear(String username) {
        try (Connection c = dataSource.getConnection()) {
            clearFailures(c, username);
            try (PreparedStatement del = c.prepareStatement("delete from login_locks where username = ?")) {
                del.setString(1, username);
                del.executeUpdate();
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot unlock " + username, e);
        }
    }

    private static void clearFailures(Connection c, String username) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("delete from login_failures where username = ?")) {
            del.setString(1, username);
            del.executeUpdate();
        }
    }
}
