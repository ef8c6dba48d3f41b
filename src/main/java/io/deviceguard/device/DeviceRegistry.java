package io.deviceguard.device;

import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.store.StoreUnavailableException;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The device registry. Reads go to the database every time: a connect is rare next to a message, and a status
 * change made by another process (a host command, another node) must count at the very next connect.
 */
public final class DeviceRegistry {

    private static final String COLUMNS = "id, status, cert_fingerprint, cert_serial, not_after, created_at, model, certificate";
    private final DataSource dataSource;
    /** What this process last read or wrote per device: the fallback while the database is unreachable. */
    private final java.util.Map<String, Device> lastKnown = new java.util.concurrent.ConcurrentHashMap<>();

    public DeviceRegistry(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Registers an ACTIVE device bound to {@code cert}. */
    public Device register(String id, X509Certificate cert) {
        return register(id, cert, null);
    }

    /** Registers an ACTIVE device of {@code model} (may be null) bound to {@code cert}. */
    public Device register(String id, X509Certificate cert, String model) {
        return registerAll(List.of(new Registration(id, cert, model))).get(0);
    }

    /** A device to register: its ID, its first certificate and its model (may be null). */
    public record Registration(String id, X509Certificate certificate, String model) {
    }

    /**
     * Registers every device in one transaction: all of them, or (on any failure, a duplicate included) none. A bulk
     * import relies on this for its all-or-nothing promise even when another caller registers one of the IDs
     * between the import's checks and its write.
     */
    public List<Device> registerAll(List<Registration> registrations) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Device> out = new ArrayList<>(registrations.size());
        for (Registration r : registrations) {
            DeviceId.require(r.id());
            X509Certificate cert = r.certificate();
            out.add(new Device(r.id(), DeviceStatus.ACTIVE, Certificates.fingerprint(cert), Certificates.serialHex(cert),
                    cert.getNotAfter().toInstant(), now, r.model(), Pem.encode(cert)));
        }
        String devices = "insert into devices (id, status, cert_fingerprint, cert_serial, not_after, created_at, updated_at,"
                + " model, certificate) values (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        String certs = "insert into device_certificates (fingerprint, device_id, serial, certificate, not_after, status,"
                + " created_at) values (?, ?, ?, ?, ?, 'ACTIVE', ?)";
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement pd = c.prepareStatement(devices); PreparedStatement pc = c.prepareStatement(certs)) {
                int n = 0;
                for (Device d : out) {
                    pd.setString(1, d.id());
                    pd.setString(2, d.status().name());
                    pd.setString(3, d.certFingerprint());
                    pd.setString(4, d.certSerial());
                    pd.setObject(5, utc(d.notAfter()));
                    pd.setObject(6, utc(now));
                    pd.setObject(7, utc(now));
                    pd.setString(8, d.model());
                    pd.setString(9, d.certificatePem());
                    pd.addBatch();
                    pc.setString(1, d.certFingerprint());
                    pc.setString(2, d.id());
                    pc.setString(3, d.certSerial());
                    pc.setString(4, d.certificatePem());
                    pc.setObject(5, utc(d.notAfter()));
                    pc.setObject(6, utc(now));
                    pc.addBatch();
                    if (++n % 500 == 0) {
                        pd.executeBatch();
                        pc.executeBatch();
                    }
                }
                pd.executeBatch();
                pc.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
            out.forEach(d -> lastKnown.put(d.id(), d));
            return out;
        } catch (SQLException e) {
            if (isDuplicate(e)) {
                throw new DuplicateDeviceException(out.size() == 1 ? out.get(0).id() : "(one of " + out.size() + ")");
            }
            throw new RegistryException("cannot register " + out.size() + " device(s)", e);
        }
    }

    private static boolean isDuplicate(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLIntegrityConstraintViolationException
                    || (t instanceof SQLException s && "23505".equals(s.getSQLState()))) {
                return true;
            }
            if (t instanceof java.sql.BatchUpdateException b && b.getNextException() != null
                    && "23505".equals(b.getNextException().getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The device as the database says now. If the database cannot be reached, the last state this process read or
     * wrote is used (so connected fleets keep working through an outage); a device never seen by this process is
     * then a {@link StoreUnavailableException}.
     */
    public Optional<Device> find(String id) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select " + COLUMNS + " from devices where id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                Optional<Device> d = rs.next() ? Optional.of(map(rs)) : Optional.empty();
                d.ifPresentOrElse(x -> lastKnown.put(id, x), () -> lastKnown.remove(id));
                return d;
            }
        } catch (SQLException e) {
            if (StoreUnavailableException.isUnavailable(e)) {
                Device known = lastKnown.get(id);
                if (known != null) {
                    return Optional.of(known);
                }
                throw new StoreUnavailableException("the device registry is unavailable", e);
            }
            throw new RegistryException("cannot read device " + DeviceId.printable(id), e);
        }
    }

    /** The registered devices among {@code ids}, read in chunks: a bulk import's one look-up instead of one per row. */
    public java.util.Map<String, Device> findAll(java.util.Collection<String> ids) {
        java.util.Map<String, Device> out = new java.util.HashMap<>();
        List<String> all = new ArrayList<>(ids);
        try (Connection c = dataSource.getConnection()) {
            for (int from = 0; from < all.size(); from += 500) {
                List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
                String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
                try (PreparedStatement ps = c.prepareStatement("select " + COLUMNS + " from devices where id in (" + marks + ")")) {
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 1, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Device d = map(rs);
                            out.put(d.id(), d);
                        }
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new RegistryException("cannot read devices", e);
        }
    }

    public List<Device> list(int limit) {
        List<Device> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "select " + COLUMNS + " from devices order by id")) {
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new RegistryException("cannot list devices", e);
        }
    }

    public void setStatus(String id, DeviceStatus status) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update devices set status = ?, updated_at = ? where id = ?")) {
            ps.setString(1, status.name());
            ps.setObject(2, utc(Instant.now()));
            ps.setString(3, id);
            if (ps.executeUpdate() == 0) {
                throw new RegistryException("no device " + DeviceId.printable(id), null);
            }
            lastKnown.remove(id);
        } catch (SQLException e) {
            throw new RegistryException("cannot update device " + DeviceId.printable(id), e);
        }
    }

    private static Device map(ResultSet rs) throws SQLException {
        return new Device(rs.getString(1), DeviceStatus.valueOf(rs.getString(2)), rs.getString(3).trim(),
                rs.getString(4), rs.getObject(5, OffsetDateTime.class).toInstant(),
                rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getString(7), rs.getString(8));
    }

    private static OffsetDateTime utc(Instant i) {
        return i.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC);
    }

    /** A registry read or write failed. */
    public static class RegistryException extends RuntimeException {
        public RegistryException(String message, Throwable cause) {
            super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
    }

    /** The device ID is registered already. */
    public static final class DuplicateDeviceException extends RegistryException {
        public DuplicateDeviceException(String id) {
            super("device " + id + " is already registered", null);
        }
    }
}
