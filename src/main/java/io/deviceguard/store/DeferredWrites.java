package io.deviceguard.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes that a step of the device pipeline hands to the end of the pipeline, where they are committed in one
 * transaction with the message's handled mark: the default sink's row and the mark are then stored together or not
 * at all, and each message costs one commit less. The inbound route puts a fresh holder on each exchange before its
 * sink routes; the handled step closes it and commits what it holds.
 * <p>
 * A step that runs after the holder is closed (an asynchronous copy of the exchange, a sink outside the pipeline) is
 * refused and writes on its own, as without a holder: nothing handed over is ever left behind.
 */
public final class DeferredWrites {

    /** Exchange property under which the inbound routes keep the holder. */
    public static final String PROPERTY = "DeviceGuardDeferredWrites";

    private final List<WriteBatcher.Work<?>> writes = new ArrayList<>(2);
    private boolean closed;

    /** Hands {@code work} over; false when the holder is closed already and the caller must write it itself. */
    public synchronized boolean add(WriteBatcher.Work<?> work) {
        if (closed) {
            return false;
        }
        writes.add(work);
        return true;
    }

    /** Closes the holder and returns what it holds, in the order it was handed over. */
    public synchronized List<WriteBatcher.Work<?>> close() {
        closed = true;
        return List.copyOf(writes);
    }

    /**
     * A deferred write that failed. It carries how the step that handed it over reports its own failures, so that the
     * step which committed it raises the same exception, with the database's (and its SQL state) as the cause.
     */
    public static final class WriteFailed extends java.sql.SQLException {
        private static final long serialVersionUID = 1L;

        private final transient java.util.function.Function<java.sql.SQLException, RuntimeException> report;

        public WriteFailed(java.sql.SQLException cause, java.util.function.Function<java.sql.SQLException, RuntimeException> report) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
            this.report = report;
        }

        /** The exception the handing step would have thrown had it written on its own. */
        public RuntimeException reported() {
            return report.apply((java.sql.SQLException) getCause());
        }
    }
}
