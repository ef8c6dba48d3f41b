package io.deviceguard.integrity;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Where non-conforming messages go instead of the handlers: a bounded table holding the reason, the device, the
 * time and the payload up to a cap. When it holds more than its limit, the oldest rows are dropped.
 */
public final class Quarantine {

    /** One quarantined message. {@code payload} is text when it was valid UTF-8, else hex. */
    public record Entry(long id, Instant receivedAt, String deviceId, String topic, String reason, String detail,
                        int payloadSize, String payload) {
    }

    private final DataSource dataSource;
    private final int maxRows;
    private final int payloadCap;

    public Quarantine(DataSource dataSource, int maxRows, int payloadCap) {
        this.dataSource = dataSource;
        this.maxRows = maxRows;
        this.payloadCap = payloadCap;
    }

    /** Stores the message; returns how many old rows were dropped to stay within the limit. */
    public int store(String deviceId, String topic, Reason reason, String detail, byte[] payload, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            long id;
            try (PreparedStatement ps = c.prepareStatement("insert into quarantine (received_at, device_id, topic, reason,"
                    + " detail, payload_size, payload) values (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setObject(1, now.atOffset(ZoneOffset.UTC));
                ps.setString(2, deviceId);
                ps.setString(3, topic == null ? null : cut(topic, 256));
                ps.setString(4, reason.code());
                ps.setString(5, detail == null ? null : cut(detail.replaceAll("\\p{Cntrl}", "?"), 1024));
                ps.setInt(6, payload == null ? 0 : payload.length);
                ps.setString(7, printable(payload));
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
            try (PreparedStatement trim = c.prepareStatement("delete from quarantine where id <= ?")) {
                trim.setLong(1, id - maxRows);
                return trim.executeUpdate();
            }
        } catch (SQLException e) {
            if (io.deviceguard.store.StoreUnavailableException.isUnavailable(e)) {
                throw new io.deviceguard.store.StoreUnavailableException("the quarantine is unavailable", e);
            }
            throw new IllegalStateException("quarantine write failed: " + e.getMessage(), e);
        }
    }

    public List<Entry> list(String deviceId, String reason, int limit) {
        StringBuilder sql = new StringBuilder("select id, received_at, device_id, topic, reason, detail, payload_size, payload"
                + " from quarantine where 1 = 1");
        List<String> args = new ArrayList<>();
        if (deviceId != null) {
            sql.append(" and device_id = ?");
            args.add(deviceId);
        }
        if (reason != null) {
            sql.append(" and reason = ?");
            args.add(reason);
        }
        sql.append(" order by id desc");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            ps.setMaxRows(limit);
            List<Entry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the quarantine: " + e.getMessage(), e);
        }
    }

    /** Rows received since {@code since} from devices whose ID starts with {@code devicePrefix}. */
    public long countSince(Instant since, String devicePrefix) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from quarantine where received_at >= ? and device_id like ?")) {
            ps.setObject(1, since.atOffset(ZoneOffset.UTC));
            ps.setString(2, devicePrefix.replace("%", "\\%").replace("_", "\\_") + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count quarantined messages: " + e.getMessage(), e);
        }
    }

    private String printable(byte[] payload) {
        if (payload == null) {
            return null;
        }
        byte[] head = payload.length > payloadCap ? java.util.Arrays.copyOf(payload, payloadCap) : payload;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(head)).toString();
            return text.replace('\0', '?');
        } catch (java.nio.charset.CharacterCodingException e) {
            return "hex:" + java.util.HexFormat.of().formatHex(java.util.Arrays.copyOf(head, Math.min(head.length, payloadCap / 2 - 4)));
        }
    }

    private static String cut(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }
}
