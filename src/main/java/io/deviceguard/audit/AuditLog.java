package io.deviceguard.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single way into the audit trail. Callers hand over events; one writer thread appends them in batches, each
 * batch in one transaction that locks the chain head row ({@code audit_head}), so that several processes or nodes
 * sharing the database extend one chain and never fork it. A caller that must not go on before its row is stored
 * (an accepted message, a command) waits on the returned future.
 * <p>
 * A failed write is retried with back-off, keeping order; nothing is dropped. The queue is bounded: when it is
 * full, callers wait (back-pressure) rather than the process running out of memory.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Size of the details column (db/migration). */
    private static final int MAX_DETAILS = 8192;
    private static final String INSERT = "insert into audit_events (seq, ts, category, actor_type, actor, action, target,"
            + " outcome, details, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final DataSource dataSource;
    private final int batchSize;
    private final BlockingQueue<Pending> queue;
    private final Thread writer;
    private final Checkpointing checkpointing;
    private final AuditJournal journal;
    private final List<java.util.function.Consumer<AuditEvent>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private volatile long closeDeadline = Long.MAX_VALUE;
    private long lastSeq;
    private String lastHash;
    private volatile long appendedRows;
    private volatile io.deviceguard.store.WriteBatcher commitThrough;
    private volatile long appendedBatches;
    private long checkpointedSeq;
    private long checkpointedAt = System.nanoTime();

    /** When to sign a checkpoint: every {@code rows} rows, or every {@code interval} if rows were written since. */
    public record Checkpointing(CheckpointStore store, int rows, java.time.Duration interval) {
    }

    private record Pending(AuditEvent event, Instant ts, CompletableFuture<AuditRecord> done) {
    }

    public AuditLog(DataSource dataSource, int queueCapacity, int batchSize) {
        this(dataSource, queueCapacity, batchSize, null);
    }

    public AuditLog(DataSource dataSource, int queueCapacity, int batchSize, Checkpointing checkpointing) {
        this(dataSource, queueCapacity, batchSize, checkpointing, null);
    }

    /**
     * With a journal file, a database outage does not stop callers: their events are fsync'd to the journal and
     * reach the chain, in order, when the database returns (also after a restart). Only one process may own a
     * journal: the platform; host commands run without one and report a database outage instead.
     */
    public AuditLog(DataSource dataSource, int queueCapacity, int batchSize, Checkpointing checkpointing, Path journalFile) {
        this.dataSource = dataSource;
        this.checkpointing = checkpointing;
        this.journal = journalFile == null ? null : new AuditJournal(journalFile);
        this.batchSize = batchSize;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.writer = new Thread(this::run, "deviceguard-audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Called with every event as it is recorded (the metrics count refusals this way, so a counter and the audit rows
     * it stands for cannot disagree). A listener must be quick and must not throw; one that does is logged and skipped.
     */
    public void addListener(java.util.function.Consumer<AuditEvent> listener) {
        listeners.add(listener);
    }

    /** Events recorded but not yet written (in memory, waiting for the writer). */
    public int queued() {
        return queue.size();
    }

    /** Events waiting in the local journal for the database to return; 0 without a journal. */
    public long journalRows() {
        return journal == null || journal.isEmpty() ? 0 : journal.size();
    }

    /** Queues the event; the future completes with its stored row. */
    public CompletableFuture<AuditRecord> record(AuditEvent event) {
        for (java.util.function.Consumer<AuditEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("audit listener failed: {}", e.toString());
            }
        }
        Pending p = new Pending(event, Instant.now().truncatedTo(ChronoUnit.MILLIS), new CompletableFuture<>());
        if (closing) {
            p.done.completeExceptionally(new IllegalStateException("audit log is closed"));
            return p.done;
        }
        try {
            queue.put(p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.done.completeExceptionally(e);
        }
        return p.done;
    }

    /** Records and waits until the row is committed. */
    public AuditRecord recordAndWait(AuditEvent event) {
        try {
            return record(event).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("audit record not stored: " + e.getMessage(), e);
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(batchSize);
        long backoffMs = 50;
        long nextDrain = 0;
        while (true) {
            try {
                Pending first = batch.isEmpty() ? queue.poll(200, TimeUnit.MILLISECONDS) : null;
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                }
                if (journal != null && !journal.isEmpty()) {
                    // the database was unavailable: everything goes behind what already waits, in order
                    if (!batch.isEmpty() && journalize(batch)) {
                        batch.clear();
                    }
                    if (System.currentTimeMillis() >= nextDrain && !drainJournal()) {
                        nextDrain = System.currentTimeMillis() + 1_000;
                    }
                } else if (!batch.isEmpty()) {
                    try {
                        List<AuditRecord> stored = append(batch);
                        // checkpoints and the head record first: a caller that was told "stored" sees them current
                        afterBatch(stored);
                        for (int i = 0; i < batch.size(); i++) {
                            batch.get(i).done.complete(stored.get(i));
                        }
                        batch.clear();
                        backoffMs = 50;
                    } catch (SQLException | RuntimeException e) {
                        if (journal != null) {
                            LOG.error("audit write failed, keeping {} rows in the local journal until the database returns: {}",
                                    batch.size(), e.getMessage());
                            if (journalize(batch)) {
                                batch.clear();
                            }
                            nextDrain = System.currentTimeMillis() + 1_000;
                        } else {
                            // keep the batch and its order; retry
                            LOG.error("audit write failed ({} rows waiting), retrying in {} ms: {}", batch.size() + queue.size(),
                                    backoffMs, e.getMessage());
                            Thread.sleep(backoffMs);
                            backoffMs = Math.min(backoffMs * 2, 5_000);
                        }
                    }
                }
                if (first == null && batch.isEmpty()) {
                    boolean drained = journal == null || journal.isEmpty();
                    maybeCheckpoint(closing && drained);
                    if (closing && queue.isEmpty() && (drained || System.nanoTime() > closeDeadline)) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> p.done.completeExceptionally(e));
                return;
            }
        }
    }

    /** Appends the batch to the journal (fsync) and tells its callers their events are durable. */
    private boolean journalize(List<Pending> batch) {
        try {
            journal.append(batch.stream().map(Pending::event).toList(), batch.stream().map(Pending::ts).toList());
            for (Pending p : batch) {
                p.done.complete(AuditRecord.journaled(p.ts));
            }
            return true;
        } catch (java.io.IOException e) {
            LOG.error("audit journal write failed too, {} rows held in memory: {}", batch.size(), e.getMessage());
            return false;
        }
    }

    /** Moves the journal into the chain in one transaction; false when the database is still unavailable. */
    private boolean drainJournal() {
        try {
            List<Pending> waiting = new ArrayList<>();
            for (var e : journal.read()) {
                waiting.add(new Pending(e.getKey(), e.getValue(), new CompletableFuture<>()));
            }
            if (waiting.isEmpty()) {
                journal.clear();
                return true;
            }
            List<AuditRecord> stored = append(waiting);
            journal.clear();
            LOG.warn("audit journal written to the database: {} rows (seq {}..{})", stored.size(), stored.get(0).seq(),
                    stored.get(stored.size() - 1).seq());
            afterBatch(stored);
            return true;
        } catch (SQLException | RuntimeException | java.io.IOException e) {
            LOG.debug("audit journal not drained yet: {}", e.getMessage());
            return false;
        }
    }

    private void afterBatch(List<AuditRecord> stored) {
        AuditRecord newest = stored.get(stored.size() - 1);
        if (checkpointing == null) {
            lastSeq = newest.seq();
            lastHash = newest.hash();
            return;
        }
        // a checkpoint every N rows exactly, even inside a large batch
        for (AuditRecord r : stored) {
            if (r.seq() - checkpointedSeq >= checkpointing.rows()) {
                lastSeq = r.seq();
                lastHash = r.hash();
                checkpoint();
            }
        }
        lastSeq = newest.seq();
        lastHash = newest.hash();
        try {
            checkpointing.store().writeHead(lastSeq, lastHash);
        } catch (RuntimeException e) {
            LOG.error("audit head record not written: {}", e.getMessage());
        }
    }

    private void maybeCheckpoint(boolean force) {
        if (checkpointing == null || lastHash == null || lastSeq == checkpointedSeq) {
            return;
        }
        if (force || System.nanoTime() - checkpointedAt >= checkpointing.interval().toNanos()) {
            checkpoint();
        }
    }

    private void checkpoint() {
        try {
            checkpointing.store().checkpoint(lastSeq, lastHash, "periodic");
            checkpointedSeq = lastSeq;
            checkpointedAt = System.nanoTime();
        } catch (RuntimeException e) {
            LOG.error("audit checkpoint at row {} failed: {}", lastSeq, e.getMessage());
        }
    }

    private List<AuditRecord> append(List<Pending> batch) throws SQLException {
        io.deviceguard.store.WriteBatcher shared = commitThrough;
        List<AuditRecord> out;
        if (shared != null) {
            out = shared.execute(c -> appendIn(c, batch));
        } else {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    out = appendIn(c, batch);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        }
        appendedRows += out.size();
        appendedBatches++;
        return out;
    }

    /**
     * From now on the batches are committed through {@code writes}, in the same transactions as the pipeline's other
     * writes (one commit for both, where the database pays per commit); {@code null} commits them alone again.
     */
    public void commitThrough(io.deviceguard.store.WriteBatcher writes) {
        this.commitThrough = writes;
    }

    /** Appends the batch to the chain inside the caller's transaction (neither commits nor rolls back). */
    private static List<AuditRecord> appendIn(Connection c, List<Pending> batch) throws SQLException {
        long seq;
        String prev;
        try (PreparedStatement head = c.prepareStatement("select seq, hash from audit_head where id = 1 for update");
             ResultSet rs = head.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("audit_head row is missing: the audit table was tampered with");
            }
            seq = rs.getLong(1);
            prev = rs.getString(2).trim();
        }
        List<AuditRecord> out = new ArrayList<>(batch.size());
        try (PreparedStatement ins = c.prepareStatement(INSERT)) {
            for (Pending p : batch) {
                AuditRecord r = seal(++seq, p, prev);
                bind(ins, r);
                ins.addBatch();
                out.add(r);
                prev = r.hash();
            }
            ins.executeBatch();
        }
        try (PreparedStatement upd = c.prepareStatement("update audit_head set seq = ?, hash = ? where id = 1")) {
            upd.setLong(1, seq);
            upd.setString(2, prev);
            upd.executeUpdate();
        }
        return out;
    }

    private static AuditRecord seal(long seq, Pending p, String prev) {
        AuditEvent e = p.event;
        String details = e.details().isEmpty() ? null : json(e);
        String category = e.category().label();
        String actorType = e.actorType().name().toLowerCase();
        String outcome = e.outcome().name().toLowerCase();
        String hash = AuditRecord.hash(seq, p.ts, category, actorType, e.actor(), e.action(), e.target(), outcome, details, prev);
        return new AuditRecord(seq, p.ts, category, actorType, e.actor(), e.action(), e.target(), outcome, details, prev, hash);
    }

    /**
     * The details as JSON that fits the details column. Each value is capped already, but many values, or values
     * JSON must escape, can still exceed it; then every text value is shortened alike, and the row says so. A row
     * too long for its column would fail its insert on every retry and stall the whole trail behind it.
     */
    private static String json(AuditEvent e) {
        String json = write(e.details());
        for (int keep = 512; json.length() > MAX_DETAILS && keep > 0; keep /= 2) {
            Map<String, Object> shorter = new TreeMap<>();
            int k = keep;
            e.details().forEach((key, v) -> shorter.put(key,
                    v instanceof String t && t.length() > k ? t.substring(0, k) + "..." : v));
            shorter.put("truncated", true);
            json = write(shorter);
        }
        return json.length() <= MAX_DETAILS ? json : "{\"truncated\":true}";
    }

    private static String write(Map<String, Object> details) {
        try {
            return JSON.writeValueAsString(details);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("audit details are not serialisable", ex);
        }
    }

    private static void bind(PreparedStatement ps, AuditRecord r) throws SQLException {
        ps.setLong(1, r.seq());
        ps.setObject(2, r.ts().atOffset(ZoneOffset.UTC));
        ps.setString(3, r.category());
        ps.setString(4, r.actorType());
        ps.setString(5, r.actor());
        ps.setString(6, r.action());
        ps.setString(7, r.target());
        ps.setString(8, r.outcome());
        ps.setString(9, r.details());
        ps.setString(10, r.prevHash());
        ps.setString(11, r.hash());
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.error("audit writer did not finish within 15 s; {} rows not written", queue.size());
            writer.interrupt();
        }
        LOG.info("audit writer: {} rows appended in {} batches, {}", appendedRows, appendedBatches,
                commitThrough != null ? "committed in the pipeline writer's transactions" : "each its own transaction");
    }
}
