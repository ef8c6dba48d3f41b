package io.deviceguard.integrity;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * Remembers each device's message IDs for the replay window, in the database so the window survives a restart and
 * is shared by every node. The primary key (device, msgId) makes "first seen" one atomic insert.
 */
public final class ReplayGuard {

    private final DataSource dataSource;

    public ReplayGuard(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** True the first time this device uses this msgId; false for a replay. */
    public boolean firstSeen(String deviceId, String msgId, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into seen_messages (device_id, msg_id, seen_at) values (?, ?, ?)")) {
            ps.setString(1, deviceId);
            ps.setString(2, msgId);
            ps.setObject(3, now.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
            return true;
        } catch (SQLIntegrityConstraintViolationException e) {
            return false;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw new IllegalStateException("replay store unavailable: " + e.getMessage(), e);
        }
    }

    /** Forgets IDs older than the window (messages that old fail the timestamp check anyway). */
    public int purgeBefore(Instant cutoff) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from seen_messages where seen_at < ?")) {
            ps.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("replay store purge failed: " + e.getMessage(), e);
        }
    }
}
