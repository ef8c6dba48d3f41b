package io.deviceguard.integrity;

import io.deviceguard.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * Remembers each device's message IDs for the replay window, in the database so the window survives a restart and
 * is shared by every node. The primary key (device, msgId) makes the claim one atomic insert; the claim is marked
 * handled once the message has been handled. A second arrival of a claimed msgId is a replay, except:
 * <ul>
 * <li>it carries the same broker stamp ({@code dg-ingress}) as the first: the broker delivering that very message
 *     again (it was not acknowledged before a crash or an outage); handled already, it is not handled twice;</li>
 * <li>the first was never handled and the bytes are identical: a redelivery after a failure.</li>
 * </ul>
 * The stamp is the broker's and cannot be forged: the broker removes any {@code dg-*} property a client sends.
 */
public final class ReplayGuard {

    /** What a claim found. */
    public enum Claim { FIRST, REDELIVERY, ALREADY_HANDLED, REPLAY }

    private final DataSource dataSource;

    public ReplayGuard(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Claims {@code msgId} for {@code deviceId}; {@code ingressId} is the broker's stamp of the message (may be null). */
    public Claim claim(String deviceId, String msgId, String digest, String ingressId, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("insert into seen_messages (device_id, msg_id, seen_at, digest,"
                    + " handled, ingress_id) values (?, ?, ?, ?, false, ?)")) {
                ps.setString(1, deviceId);
                ps.setString(2, msgId);
                ps.setObject(3, now.atOffset(ZoneOffset.UTC));
                ps.setString(4, digest);
                ps.setString(5, ingressId);
                ps.executeUpdate();
                return Claim.FIRST;
            } catch (SQLException e) {
                if (!(e instanceof SQLIntegrityConstraintViolationException) && !"23505".equals(e.getSQLState())) {
                    throw e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select digest, handled, ingress_id from seen_messages where device_id = ? and msg_id = ?")) {
                ps.setString(1, deviceId);
                ps.setString(2, msgId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Claim.REPLAY;
                    }
                    boolean handled = rs.getBoolean(2);
                    if (ingressId != null && ingressId.equals(rs.getString(3))) {
                        return handled ? Claim.ALREADY_HANDLED : Claim.REDELIVERY;
                    }
                    return !handled && digest.equals(rs.getString(1).trim()) ? Claim.REDELIVERY : Claim.REPLAY;
                }
            }
        } catch (SQLException e) {
            throw failure("the replay store", e);
        }
    }

    public void handled(String deviceId, String msgId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update seen_messages set handled = true where device_id = ? and msg_id = ?")) {
            ps.setString(1, deviceId);
            ps.setString(2, msgId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("the replay store", e);
        }
    }

    /** Forgets IDs older than the window (messages that old fail the timestamp check anyway). */
    public int purgeBefore(Instant cutoff) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("delete from seen_messages where seen_at < ?")) {
            ps.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("the replay store purge", e);
        }
    }

    private static RuntimeException failure(String what, SQLException e) {
        if (StoreUnavailableException.isUnavailable(e)) {
            return new StoreUnavailableException(what + " is unavailable", e);
        }
        return new IllegalStateException(what + " failed: " + e.getMessage(), e);
    }
}
