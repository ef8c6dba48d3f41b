package io.deviceguard.routes;

import io.deviceguard.store.DeferredWrites;
import io.deviceguard.store.StoreUnavailableException;
import io.deviceguard.store.WriteBatcher;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.apache.camel.Exchange;

/**
 * The default sink of accepted device messages (bean {@code telemetrySink} in routes/device-data.camel.yaml): one row
 * in {@code telemetry} per message, stored once by (device, msgId) however often the broker delivers it. Its rows are
 * committed in groups with the pipeline's other writes ({@link WriteBatcher}). In the device pipeline the row is handed to
 * the pipeline's last step ({@link DeferredWrites}) and committed in one transaction with the message's handled mark,
 * so the broker's acknowledgement still follows the stored row, and a message whose later steps fail stores nothing.
 * Anywhere else (a route of the user's own) it is committed before {@code store} returns.
 */
public final class TelemetrySink {

    private static final String INSERT = "insert into telemetry (device_id, kind, payload, msg_id) select ?, ?, ?, ?"
            + " where not exists (select 1 from telemetry where device_id = ? and msg_id = ?)";

    private final WriteBatcher batcher;

    public TelemetrySink(WriteBatcher batcher) {
        this.batcher = batcher;
    }

    /** Stores the accepted message in the exchange: headers DeviceGuardDeviceId, DeviceGuardKind, DeviceGuardMsgId, body the payload. */
    public void store(Exchange exchange) {
        String device = exchange.getMessage().getHeader(DeviceHeaders.DEVICE_ID, String.class);
        String kind = exchange.getMessage().getHeader(DeviceHeaders.KIND, String.class);
        String msgId = exchange.getMessage().getHeader(DeviceHeaders.MSG_ID, String.class);
        String payload = exchange.getMessage().getBody(String.class);
        if (device == null || kind == null || msgId == null || payload == null) {
            throw new IllegalArgumentException("telemetrySink needs the headers " + DeviceHeaders.DEVICE_ID + ", " + DeviceHeaders.KIND
                    + ", " + DeviceHeaders.MSG_ID + " and a body; missing in the exchange from route " + exchange.getFromRouteId());
        }
        WriteBatcher.Work<Integer> insert = c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, device);
                ps.setString(2, kind);
                ps.setString(3, payload);
                ps.setString(4, msgId);
                ps.setString(5, device);
                ps.setString(6, msgId);
                return ps.executeUpdate();
            } catch (SQLException e) {
                throw new DeferredWrites.WriteFailed(e, TelemetrySink::failure);
            }
        };
        DeferredWrites deferred = exchange.getProperty(DeferredWrites.PROPERTY, DeferredWrites.class);
        if (deferred != null && deferred.add(insert)) {
            // committed with the message's handled mark at the end of the pipeline
            return;
        }
        try {
            batcher.execute(insert);
        } catch (SQLException e) {
            throw e instanceof DeferredWrites.WriteFailed f ? f.reported() : failure(e);
        }
    }

    /** The exception a failed write of the sink surfaces as, whether it ran here or with the handled mark. */
    public static RuntimeException failure(SQLException e) {
        if (StoreUnavailableException.isUnavailable(e)) {
            return new StoreUnavailableException("the telemetry store is unavailable", e);
        }
        // keeps the SQLException as the cause: the route-failure step audits it as an sql-error with its SQL state
        return new IllegalStateException("storing the message failed: " + e.getMessage(), e);
    }
}
