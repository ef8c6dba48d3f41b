package io.deviceguard.user;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code users} table. Reads go to the database every time: a change made by another node counts at once. */
final class UserStore {

    private static final String COLUMNS = "u.username, u.role, u.enabled, u.created_at, u.updated_at, u.password_hash,"
            + " l.locked_until";
    private static final String FROM = " from users u left join login_locks l on l.username = u.username"
            + " and l.locked_until > ?";

    private final DataSource dataSource;

    UserStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An account with its password hash, for login only. */
    record Row(UserAccount account, String passwordHash) {
        @Override
        public String toString() {
            return "Row[" + account + "]";
        }
    }

    void insert(String username, Role role, String passwordHash, Instant now) {
        String sql = "insert into users (username, role, password_hash, enabled, created_at, updated_at)"
                + " values (?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, username);
            ps.setString(2, role.name());
            ps.setString(3, passwordHash);
            ps.setBoolean(4, true);
            Sql.setInstant(ps, 5, now);
            Sql.setInstant(ps, 6, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (Sql.isDuplicateKey(e)) {
                throw new AccountException(AccountException.Reason.DUPLICATE, "user '" + username + "' exists already");
            }
            throw new Sql.StoreException("cannot create user " + username, e);
        }
    }

    Optional<Row> find(String username, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + COLUMNS + FROM + " where u.username = ?")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, username);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot read user " + username, e);
        }
    }

    List<UserAccount> list(Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select " + COLUMNS + FROM + " order by u.username")) {
            Sql.setInstant(ps, 1, now);
            List<UserAccount> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs).account());
                }
            }
            return out;
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot list users", e);
        }
    }

    int countEnabled(Role role) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from users where role = ? and enabled = ?")) {
            ps.setString(1, role.name());
            ps.setBoolean(2, true);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot count users", e);
        }
    }

    void setEnabled(String username, boolean enabled, Instant now) {
        update("update users set enabled = ?, updated_at = ? where username = ?", username, ps -> ps.setBoolean(1, enabled), now);
    }

    void setRole(String username, Role role, Instant now) {
        update("update users set role = ?, updated_at = ? where username = ?", username, ps -> ps.setString(1, role.name()), now);
    }

    void setPasswordHash(String username, String hash, Instant now) {
        update("update users set password_hash = ?, updated_at = ? where username = ?", username, ps -> ps.setString(1, hash), now);
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private void update(String sql, String username, Binder first, Instant now) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            first.bind(ps);
            Sql.setInstant(ps, 2, now);
            ps.setString(3, username);
            if (ps.executeUpdate() == 0) {
                throw new AccountException(AccountException.Reason.NO_SUCH_USER, "no user '" + username + "'");
            }
        } catch (SQLException e) {
            throw new Sql.StoreException("cannot update user " + username, e);
        }
    }

    private static Row map(ResultSet rs) throws SQLException {
        UserAccount a = new UserAccount(rs.getString("username"), Role.valueOf(rs.getString("role")),
                rs.getBoolean("enabled"), Sql.instant(rs, "created_at"), Sql.instant(rs, "updated_at"),
                Sql.instant(rs, "locked_until"));
        return new Row(a, rs.getString("password_hash"));
    }
}
