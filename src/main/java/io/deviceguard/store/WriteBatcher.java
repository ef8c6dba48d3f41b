package io.deviceguard.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the message pipeline's small writes (replay claims, handled marks, the default sink's rows): each
 * caller hands over a unit of work and waits until it is committed; one writer thread runs everything waiting in
 * one transaction. The cost of a commit (for H2, serializing every page the commit changed; for PostgreSQL, a WAL
 * flush) is then paid once per batch instead of once per statement, and the batch grows with the load by itself.
 * <p>
 * A unit's outcome is the same as if it ran alone: when anything in a batch fails (a constraint, a lost
 * connection), the batch is rolled back and every unit is run again in its own transaction, so a failure reaches
 * only the caller whose work caused it. Works must therefore only touch the database (they may run twice, the
 * first run rolled back).
 */
public final class WriteBatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteBatcher.class);

    /** One unit of work, run inside the batch's transaction (never commit or roll back in it). */
    @FunctionalInterface
    public interface Work<R> {
        R run(Connection c) throws SQLException;
    }

    private record Pending<R>(Work<R> work, CompletableFuture<R> done) {
        void runInto(Connection c, List<Runnable> completions) throws SQLException {
            R r = work.run(c);
            completions.add(() -> done.complete(r));
        }
    }

    private final DataSource dataSource;
    private final int maxBatch;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;
    private volatile long batches;
    private volatile long units;

    public WriteBatcher(DataSource dataSource, int maxBatch, String name) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1");
        }
        this.dataSource = dataSource;
        this.maxBatch = maxBatch;
        this.writer = new Thread(this::run, name);
        writer.setDaemon(true);
        writer.start();
    }

    /** Runs {@code work} in the next batch and returns its result once the batch is committed. */
    public <R> R execute(Work<R> work) throws SQLException {
        if (closed) {
            // after close (shutdown): run alone, as without batching
            return runAlone(work);
        }
        CompletableFuture<R> done = new CompletableFuture<>();
        Pending<R> pending = new Pending<>(work, done);
        queue.add(pending);
        try {
            while (true) {
                try {
                    return done.get(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // the writer stopped (close) after this unit was queued: run it here
                    if (!writer.isAlive() && queue.remove(pending)) {
                        return runAlone(work);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the database write", "08000", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SQLException s) {
                throw s;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new SQLException(c);
        }
    }

    /** Batches committed and units of work run so far (for the benchmark report and tests). */
    public long batches() {
        return batches;
    }

    public long units() {
        return units;
    }

    private void run() {
        List<Pending<?>> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // never leave a caller waiting, whatever happened
                batch.forEach(p -> p.done.completeExceptionally(e));
                LOG.error("pipeline write batch failed unexpectedly: {}", e.toString());
            } finally {
                batch.clear();
            }
        }
        List<Pending<?>> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(p -> p.done.completeExceptionally(new SQLException("the platform is stopping", "08006")));
    }

    private void commit(List<Pending<?>> batch) {
        if (batch.size() > 1) {
            List<Runnable> completions = new ArrayList<>(batch.size());
            try (Connection c = dataSource.getConnection()) {
                inTransaction(c, con -> {
                    for (Pending<?> p : batch) {
                        p.runInto(con, completions);
                    }
                    return null;
                });
                batches++;
                units += batch.size();
                completions.forEach(Runnable::run);
                return;
            } catch (SQLException e) {
                if (StoreUnavailableException.isUnavailable(e)) {
                    // no connection at all: each caller learns it now, rather than after one timeout each
                    batch.forEach(p -> p.done.completeExceptionally(e));
                    return;
                }
                LOG.warn("batch of {} rolled back, running each alone: {}", batch.size(), e.toString());
            } catch (RuntimeException e) {
                LOG.warn("batch of {} rolled back, running each alone: {}", batch.size(), e.toString());
            }
        }
        for (Pending<?> p : batch) {
            alone(p);
        }
    }

    private <R> void alone(Pending<R> p) {
        try {
            R r = runAlone(p.work);
            batches++;
            units++;
            p.done.complete(r);
        } catch (SQLException | RuntimeException e) {
            p.done.completeExceptionally(e);
        }
    }

    private <R> R runAlone(Work<R> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return inTransaction(c, work);
        }
    }

    /** Runs {@code work} in one transaction on {@code c}: committed if it returns, rolled back if it throws. */
    private static <R> R inTransaction(Connection c, Work<R> work) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            R r = work.run(c);
            c.commit();
            return r;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; nothing was committed
        }
    }

    /** Commits what is waiting, then stops the writer; later calls run alone. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("{}: {} writes committed in {} transactions", writer.getName(), units, batches);
    }
}
