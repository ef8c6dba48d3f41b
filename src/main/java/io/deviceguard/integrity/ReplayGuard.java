package io.deviceguard.integrity;

import io.deviceguard.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/**
 * Remembers each device's message IDs for the replay window, in the database so the window survives a restart and
 * is shared by every node. The primary key (device, msgId) makes the claim one insert (two nodes racing on one msgId:
 * one insert fails on the key and then reads the other's claim); the claim is marked handled once the message has
 * been handled. A second arrival of a claimed msgId is a replay, except:
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

    private static final String CLAIM = "insert into seen_messages (device_id, msg_id, seen_at, digest, handled, ingress_id)"
            + " select ?, ?, ?, ?, false, ? where not exists (select 1 from seen_messages where device_id = ? and msg_id = ?)";

    private final DataSource dataSource;
    private final io.deviceguard.store.WriteBatcher batcher;

    public ReplayGuard(DataSource dataSource) {
        this(dataSource, null);
    }

    /** With {@code batcher}, claims and handled marks are committed in groups with the pipeline's other writes. */
    public ReplayGuard(DataSource dataSource, io.deviceguard.store.WriteBatcher batcher) {
        this.dataSource = dataSource;
        this.batcher = batcher;
    }

    /** Claims {@code msgId} for {@code deviceId}; {@code ingressId} is the broker's stamp of the message (may be null). */
    public Claim claim(String deviceId, String msgId, String digest, String ingressId, Instant now) {
        io.deviceguard.store.WriteBatcher.Work<Claim> work = c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                ps.setString(1, deviceId);
                ps.setString(2, msgId);
                ps.setObject(3, now.atOffset(ZoneOffset.UTC));
                ps.setString(4, digest);
                ps.setString(5, ingressId);
                ps.setString(6, deviceId);
                ps.setString(7, msgId);
                if (ps.executeUpdate() == 1) {
                    return Claim.FIRST;
                }
            }
            return existing(c, deviceId, msgId, digest, ingressId);
        };
        try {
            try {
                return write(work);
            } catch (SQLException e) {
                if (!(e instanceof java.sql.SQLIntegrityConstraintViolationException) && !"23505".equals(e.getSQLState())) {
                    throw e;
                }
                // another node claimed the same msgId between the check and the insert; the unique index made this
                // insert wait for that claim's commit, so reading it now finds it
                return write(work);
            }
        } catch (SQLException e) {
            throw failure("the replay store", e);
        }
    }

    private static Claim existing(Connection c, String deviceId, String msgId, String digest, String ingressId) throws SQLException {
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
    }

    public void handled(String deviceId, String msgId) {
        handled(deviceId, msgId, java.util.List.of());
    }

    /**
     * Marks the message handled, committing {@code alsoCommit} (the pipeline's deferred writes, such as the default
     * sink's row) in the same transaction, before the mark. A deferred write that fails raises what its own step would
     * have raised.
     */
    public void handled(String deviceId, String msgId, java.util.List<io.deviceguard.store.WriteBatcher.Work<?>> alsoCommit) {
        try {
            write(c -> {
                for (io.deviceguard.store.WriteBatcher.Work<?> w : alsoCommit) {
                    w.run(c);
                }
                try (PreparedStatement ps = c.prepareStatement("update seen_messages set handled = true where device_id = ? and msg_id = ?")) {
                    ps.setString(1, deviceId);
                    ps.setString(2, msgId);
                    return ps.executeUpdate();
                }
            });
        } catch (io.deviceguard.store.DeferredWrites.WriteFailed e) {
            throw e.reported();
        } catch (SQLException e) {
            throw failure("the replay store", e);
        }
    }

    private <R> R write(io.deviceguard.store.WriteBatcher.Work<R> work) throws SQLException {
        if (batcher != null) {
            return batcher.execute(work);
        }
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
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
