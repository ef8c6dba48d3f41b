package io.deviceguard.user;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Timestamps in and out of the user tables: UTC, millisecond precision, as the columns hold them. */
final class Sql {

    private Sql() {
    }

    static void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        ps.setObject(index, t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static boolean isDuplicateKey(SQLException e) {
        return e instanceof java.sql.SQLIntegrityConstraintViolationException || "23505".equals(e.getSQLState());
    }

    /** A user-table read or write failed: a platform fault, not the caller's. */
    static final class StoreException extends RuntimeException {
        StoreException(String message, SQLException cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }
}
