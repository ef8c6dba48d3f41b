package io.deviceguard.device;

import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The certificates of devices (current, superseded during a rotation, revoked) and the distrusted device CAs. Read
 * at every CONNECT, like the registry, so that a revocation counts at the very next handshake on every node.
 */
public final class CertificateStore {

    private static final String COLUMNS = "fingerprint, device_id, serial, certificate, not_after, status, created_at,"
            + " superseded_until, revoked_at, revocation_reason";
    private final DataSource dataSource;
    /**
     * What this process last read per certificate and per CA: the fallback while the database is unreachable, so that
     * a known device can reconnect through an outage exactly as {@link DeviceRegistry#find} lets it.
     */
    private final Map<String, Optional<DeviceCertificate>> lastCert = new ConcurrentHashMap<>();
    private final Map<String, Boolean> lastDistrust = new ConcurrentHashMap<>();

    public CertificateStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<DeviceCertificate> find(String fingerprint) {
        try {
            List<DeviceCertificate> l = query("select " + COLUMNS + " from device_certificates where fingerprint = ?", fingerprint);
            Optional<DeviceCertificate> found = l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
            lastCert.put(fingerprint, found);
            return found;
        } catch (DeviceRegistry.RegistryException e) {
            Optional<DeviceCertificate> known = unavailable(e) ? lastCert.get(fingerprint) : null;
            if (known == null) {
                throw e;
            }
            return known;
        }
    }

    private static boolean unavailable(DeviceRegistry.RegistryException e) {
        return e.getCause() instanceof SQLException s && io.deviceguard.store.StoreUnavailableException.isUnavailable(s);
    }

    /** A device's certificates, newest first. */
    public List<DeviceCertificate> ofDevice(String deviceId) {
        return query("select " + COLUMNS + " from device_certificates where device_id = ? order by created_at desc", deviceId);
    }

    /** Every revoked certificate: the CRL's entries. */
    public List<DeviceCertificate> revoked() {
        return query("select " + COLUMNS + " from device_certificates where status = 'REVOKED' order by revoked_at", null);
    }

    /**
     * Makes {@code cert} the device's current certificate. Its other ACTIVE certificates keep working until
     * {@code overlapUntil} (or until the new one is first used, see {@link #revokeOthers}).
     */
    public void rotate(String deviceId, X509Certificate cert, Instant overlapUntil) {
        Instant now = Instant.now();
        String fp = Certificates.fingerprint(cert);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("update device_certificates set superseded_until = ?"
                        + " where device_id = ? and status = 'ACTIVE' and superseded_until is null")) {
                    ps.setObject(1, utc(overlapUntil));
                    ps.setString(2, deviceId);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("insert into device_certificates (fingerprint, device_id,"
                        + " serial, certificate, not_after, status, created_at) values (?, ?, ?, ?, ?, 'ACTIVE', ?)")) {
                    ps.setString(1, fp);
                    ps.setString(2, deviceId);
                    ps.setString(3, Certificates.serialHex(cert));
                    ps.setString(4, Pem.encode(cert));
                    ps.setObject(5, utc(cert.getNotAfter().toInstant()));
                    ps.setObject(6, utc(now));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("update devices set cert_fingerprint = ?, cert_serial = ?,"
                        + " not_after = ?, certificate = ?, updated_at = ? where id = ?")) {
                    ps.setString(1, fp);
                    ps.setString(2, Certificates.serialHex(cert));
                    ps.setObject(3, utc(cert.getNotAfter().toInstant()));
                    ps.setString(4, Pem.encode(cert));
                    ps.setObject(5, utc(now));
                    ps.setString(6, deviceId);
                    if (ps.executeUpdate() != 1) {
                        throw new SQLException("no device " + deviceId);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DeviceRegistry.RegistryException("cannot rotate the certificate of " + DeviceId.printable(deviceId), e);
        }
    }

    /** Revokes every ACTIVE certificate of the device; returns the serials revoked. */
    public List<String> revokeAll(String deviceId, String reason) {
        return revokeWhere("device_id = ? and status = 'ACTIVE'", deviceId, null, reason);
    }

    /** Revokes the device's ACTIVE certificates other than {@code keep} (the one just used); returns their serials. */
    public List<String> revokeOthers(String deviceId, String keep, String reason) {
        return revokeWhere("device_id = ? and status = 'ACTIVE' and fingerprint <> ?", deviceId, keep, reason);
    }

    /** Revokes superseded certificates whose overlap window has ended; returns "deviceId serial" of each. */
    public List<DeviceCertificate> revokeEndedOverlaps(Instant now, String reason) {
        List<DeviceCertificate> ended = new ArrayList<>();
        for (DeviceCertificate d : query("select " + COLUMNS + " from device_certificates where status = 'ACTIVE'"
                + " and superseded_until is not null", null)) {
            if (!d.supersededUntil().isAfter(now)) {
                ended.add(d);
                revokeWhere("fingerprint = ? and status = 'ACTIVE'", d.fingerprint(), null, reason);
            }
        }
        return ended;
    }

    private List<String> revokeWhere(String where, String p1, String p2, String reason) {
        List<String> serials = new ArrayList<>();
        for (DeviceCertificate d : query("select " + COLUMNS + " from device_certificates where " + where, p1, p2)) {
            serials.add(d.serial());
        }
        if (serials.isEmpty()) {
            return serials;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("update device_certificates set status = 'REVOKED', revoked_at = ?,"
                     + " revocation_reason = ? where " + where)) {
            ps.setObject(1, utc(Instant.now()));
            ps.setString(2, reason.length() > 256 ? reason.substring(0, 256) : reason);
            ps.setString(3, p1);
            if (p2 != null) {
                ps.setString(4, p2);
            }
            ps.executeUpdate();
            return serials;
        } catch (SQLException e) {
            throw new DeviceRegistry.RegistryException("cannot revoke certificates", e);
        }
    }

    /** Distrusts a device CA: every certificate it issued is refused from the next CONNECT on. */
    public void distrust(X509Certificate ca, String reason, String actor) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into distrusted_cas (fingerprint, subject, reason,"
                     + " created_by, created_at) values (?, ?, ?, ?, ?)")) {
            ps.setString(1, Certificates.fingerprint(ca));
            ps.setString(2, ca.getSubjectX500Principal().getName());
            ps.setString(3, reason);
            ps.setString(4, actor);
            ps.setObject(5, utc(Instant.now()));
            ps.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) || e instanceof java.sql.SQLIntegrityConstraintViolationException) {
                return; // distrusted already: the same outcome
            }
            throw new DeviceRegistry.RegistryException("cannot distrust CA " + ca.getSubjectX500Principal(), e);
        }
    }

    public boolean distrusted(String caFingerprint) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select 1 from distrusted_cas where fingerprint = ?")) {
            ps.setString(1, caFingerprint);
            try (ResultSet rs = ps.executeQuery()) {
                boolean d = rs.next();
                lastDistrust.put(caFingerprint, d);
                return d;
            }
        } catch (SQLException e) {
            Boolean known = io.deviceguard.store.StoreUnavailableException.isUnavailable(e) ? lastDistrust.get(caFingerprint) : null;
            if (known != null) {
                return known;
            }
            throw new DeviceRegistry.RegistryException("cannot read the distrusted CAs", e);
        }
    }

    private List<DeviceCertificate> query(String sql, String p1) {
        return query(sql, p1, null);
    }

    private List<DeviceCertificate> query(String sql, String p1, String p2) {
        List<DeviceCertificate> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (p1 != null) {
                ps.setString(1, p1);
            }
            if (p2 != null) {
                ps.setString(2, p2);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeviceCertificate(rs.getString(1).trim(), rs.getString(2), rs.getString(3), rs.getString(4),
                            instant(rs, 5), DeviceCertificate.Status.valueOf(rs.getString(6)), instant(rs, 7),
                            instant(rs, 8), instant(rs, 9), rs.getString(10)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DeviceRegistry.RegistryException("cannot read device certificates", e);
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
