package io.deviceguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.store.Database;
import io.deviceguard.testing.TestPlatform;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hash-chained audit trail on a real H2 file: one unbroken chain, whatever the concurrency. */
@Timeout(120)
class AuditLogTest {

    @TempDir
    Path tmp;

    private Database db;
    private final List<AuditLog> logs = new ArrayList<>();

    @BeforeEach
    void openDatabase() {
        Settings settings = Settings.load(new Home(tmp), TestPlatform.testProperties(), Map.of());
        db = Database.openForPlatform(settings);
    }

    @AfterEach
    void close() {
        logs.forEach(AuditLog::close);
        if (db != null) {
            db.close();
        }
    }

    private AuditLog newLog(int batchSize) {
        AuditLog log = new AuditLog(db.dataSource(), 10_000, batchSize);
        logs.add(log);
        return log;
    }

    private static AuditEvent event(String thread, int i) {
        return AuditEvent.of(AuditCategory.MESSAGE, "telemetry").device(thread).target("devices/" + thread + "/telemetry")
                .detail("i", i).build();
    }

    @Test
    void concurrentWritersProduceOneContiguousChain() throws Exception {
        AuditLog log = newLog(256);

        List<AuditRecord> returned = writeConcurrently(List.of(log), 4, 250);

        List<AuditRecord> rows = allRows();
        assertChain(rows, 1000);
        assertThat(returned).extracting(AuditRecord::hash)
                .as("each caller's future completes with the row as stored")
                .containsExactlyInAnyOrderElementsOf(rows.stream().map(AuditRecord::hash).toList());
        for (int t = 0; t < 4; t++) {
            String actor = "writer-" + t;
            List<Object> order = rows.stream().filter(r -> r.actor().equals(actor))
                    .map(r -> (Object) r.details()).toList();
            assertThat(order).as("one writer's events keep their order").hasSize(250)
                    .isEqualTo(java.util.stream.IntStream.range(0, 250).mapToObj(i -> (Object) ("{\"i\":" + i + "}")).toList());
        }
        assertHead(1000, rows.get(rows.size() - 1).hash());
    }

    /**
     * Committed through the pipeline's writer, the rows share its transactions; a pipeline write that fails in the same
     * batch costs the audit trail nothing (the batch runs again, each write alone), and the chain stays unbroken.
     */
    @Test
    void rowsCommittedThroughThePipelinesWriterSurviveAFailingNeighbour() throws Exception {
        try (io.deviceguard.store.WriteBatcher writes = new io.deviceguard.store.WriteBatcher(db.dataSource(), 256, "test-shared-writer")) {
            AuditLog log = newLog(256);
            log.commitThrough(writes);
            // beside the audit rows, all the time: a write that always fails (a duplicate key in the chain's own head table)
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
            Thread neighbour = new Thread(() -> {
                while (writing.get()) {
                    try {
                        writes.execute(c -> {
                            try (var st = c.createStatement()) {
                                return st.executeUpdate("insert into audit_head (id, seq, hash) values (1, 0, 'x')");
                            }
                        });
                    } catch (java.sql.SQLException expected) {
                        failed.incrementAndGet();
                    }
                }
            });
            neighbour.start();
            List<AuditRecord> returned;
            try {
                returned = writeConcurrently(List.of(log), 4, 100);
            } finally {
                writing.set(false);
                neighbour.join();
            }
            assertThat(failed.get()).as("the neighbour's writes failed, each on its own").isPositive();
            assertThat(returned).hasSize(400);
            assertChain(allRows(), 400);
            assertThat(writes.units()).as("the audit batches went through the shared writer").isPositive();
        }
    }

    @Test
    void twoAuditLogsOnOneDatabaseExtendOneChainWithoutForking() throws Exception {
        // as two processes (the platform and a host command) or two nodes sharing the database would
        AuditLog a = newLog(7);
        AuditLog b = newLog(13);

        writeConcurrently(List.of(a, b), 4, 150);

        List<AuditRecord> rows = allRows();
        assertChain(rows, 2 * 4 * 150);
        assertThat(rows).extracting(AuditRecord::prevHash).as("no two rows claim the same predecessor").doesNotHaveDuplicates();
        assertHead(2 * 4 * 150, rows.get(rows.size() - 1).hash());
    }

    @Test
    void detailValuesAreStrippedOfControlCharactersAndTruncated() throws Exception {
        AuditLog log = newLog(16);
        String hostile = "line1\nline2\r\u0000\u001b[31mred\u007f" + "x".repeat(5000);

        AuditRecord stored = log.recordAndWait(AuditEvent.of(AuditCategory.CONNECTION, "connect")
                .device("dev\u0007ice").denied().target("client\nid")
                .detail("error", hostile).detail("bytes", 5000).build());

        AuditRecord row = allRows().get(0);
        assertThat(row).isEqualTo(stored);
        assertThat(row.selfConsistent()).isTrue();
        assertThat(row.actor()).isEqualTo("dev?ice");
        assertThat(row.target()).isEqualTo("client?id");

        Map<?, ?> details = new ObjectMapper().readValue(row.details(), Map.class);
        String error = (String) details.get("error");
        assertThat(error).hasSize(1024 + 3)
                .startsWith("line1?line2???[31mred?xxx")
                .endsWith("x...")
                .doesNotContainPattern("\\p{Cntrl}");
        assertThat(details.get("bytes")).as("numbers stay numbers").isEqualTo(5000);
    }

    @Test
    void attackerChosenActorAndTargetOfAnyLengthAreStoredShortened() throws Exception {
        // a client ID or topic name is chosen by the client and may be up to 65535 bytes long; the row must fit
        // its columns (actor 256, target 512), or the writer would retry it forever and the trail would stall
        AuditLog log = newLog(16);
        String longTopic = "devices/" + "t".repeat(5000) + "/telemetry";

        AuditRecord stored = log.recordAndWait(AuditEvent.of(AuditCategory.ACL, "publish")
                .device("d".repeat(5000)).denied().target(longTopic).build());
        AuditRecord next = log.recordAndWait(event("after", 0));

        List<AuditRecord> rows = allRows();
        assertChain(rows, 2);
        assertThat(rows.get(0)).isEqualTo(stored);
        assertThat(stored.actor()).hasSizeLessThanOrEqualTo(256).startsWith("ddd").endsWith("...");
        assertThat(stored.target()).hasSizeLessThanOrEqualTo(512).startsWith("devices/ttt").endsWith("...");
        assertThat(rows.get(1)).as("the trail goes on after it").isEqualTo(next);
    }

    @Test
    void detailsTooLargeForTheirColumnAreShortenedNotRetriedForever() throws Exception {
        // ten values at the 1 KiB cap, full of characters JSON escapes: far more than the 8 KiB details column
        AuditLog log = newLog(16);
        AuditEvent.Builder b = AuditEvent.of(AuditCategory.ERROR, "route-failure").failed();
        for (int i = 0; i < 10; i++) {
            b.detail("value" + i, "\\\"".repeat(2000));
        }

        AuditRecord stored = log.recordAndWait(b.detail("count", 10).build());
        AuditRecord next = log.recordAndWait(event("after", 0));

        List<AuditRecord> rows = allRows();
        assertChain(rows, 2);
        assertThat(rows.get(0)).isEqualTo(stored);
        assertThat(stored.details()).hasSizeLessThanOrEqualTo(8192);
        Map<String, Object> details = new ObjectMapper().readValue(stored.details(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(details).containsKeys("value0", "value9").containsEntry("count", 10).containsEntry("truncated", true);
        assertThat(rows.get(1)).isEqualTo(next);
    }

    @Test
    void storedRowsVerifyAndAnEditedRowDoesNot() throws Exception {
        AuditLog log = newLog(16);
        for (int i = 0; i < 3; i++) {
            log.recordAndWait(event("w", i));
        }
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("update audit_events set outcome = 'success', actor = 'someone-else' where seq = 2");
        }

        List<AuditRecord> rows = allRows();
        assertThat(rows).extracting(AuditRecord::selfConsistent).containsExactly(true, false, true);
    }

    /** Starts {@code threadsPerLog} threads per log at once, each recording {@code eventsPerThread} events. */
    private static List<AuditRecord> writeConcurrently(List<AuditLog> logs, int threadsPerLog, int eventsPerThread)
            throws Exception {
        int threads = logs.size() * threadsPerLog;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<AuditRecord>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                AuditLog log = logs.get(t % logs.size());
                String actor = "writer-" + t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<AuditRecord>> futures = new ArrayList<>();
                    for (int i = 0; i < eventsPerThread; i++) {
                        futures.add(log.record(event(actor, i)));
                    }
                    List<AuditRecord> done = new ArrayList<>();
                    for (CompletableFuture<AuditRecord> f : futures) {
                        done.add(f.get(60, TimeUnit.SECONDS));
                    }
                    return done;
                }));
            }
            start.countDown();
            List<AuditRecord> all = new ArrayList<>();
            for (Future<List<AuditRecord>> f : results) {
                all.addAll(f.get(90, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every row, oldest first. */
    private List<AuditRecord> allRows() {
        List<AuditRecord> rows = new ArrayList<>(new AuditQuery(db.dataSource()).newest(100_000, AuditQuery.Filter.ANY));
        rows.sort(Comparator.comparingLong(AuditRecord::seq));
        return rows;
    }

    private static void assertChain(List<AuditRecord> rows, int expected) {
        assertThat(rows).hasSize(expected);
        assertThat(rows.get(0).prevHash()).as("the first row follows the genesis hash").isEqualTo(AuditRecord.GENESIS);
        for (int i = 0; i < rows.size(); i++) {
            AuditRecord r = rows.get(i);
            assertThat(r.seq()).as("seq is contiguous from 1").isEqualTo(i + 1L);
            assertThat(r.selfConsistent()).as("row %d hashes to its stored hash", r.seq()).isTrue();
            if (i > 0) {
                assertThat(r.prevHash()).as("row %d links to row %d", r.seq(), r.seq() - 1).isEqualTo(rows.get(i - 1).hash());
            }
        }
    }

    private void assertHead(long seq, String hash) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select seq, hash from audit_head where id = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).as("the chain head points at the last row").isEqualTo(seq);
            assertThat(rs.getString(2).trim()).isEqualTo(hash);
        }
    }
}
