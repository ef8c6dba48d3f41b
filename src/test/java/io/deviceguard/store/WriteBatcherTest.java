package io.deviceguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.integrity.ReplayGuard;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit of the pipeline's writes, on a real H2 file database with the platform's schema (Flyway). */
class WriteBatcherTest {

    @TempDir
    Path dir;

    private JdbcDataSource ds;
    private WriteBatcher batcher;
    private final ExecutorService callers = Executors.newFixedThreadPool(64);

    @BeforeEach
    void open() throws SQLException {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0");
        org.flywaydb.core.Flyway.configure().dataSource(ds).locations("classpath:db/migration/h2").load().migrate();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table t (id int primary key, v varchar(20))");
        }
        batcher = new WriteBatcher(ds, 256, "test-writer");
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        batcher.close();
    }

    /** Holds the writer inside a unit of work until released, so that what callers hand over meanwhile forms one batch. */
    private CountDownLatch holdWriter() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        callers.submit(() -> batcher.execute(c -> {
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return insert(c, 0);
        }));
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    private static int insert(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into t (id, v) values (?, 'x')")) {
            ps.setInt(1, id);
            return ps.executeUpdate();
        }
    }

    private int rows() throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void concurrentWritesShareOneCommitAndEachCallerReturnsOnlyOnceItsRowIsCommitted() throws Exception {
        CountDownLatch release = holdWriter();
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            int id = i;
            calls.add(callers.submit(() -> batcher.execute(c -> insert(c, id))));
        }
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> calls.stream().noneMatch(Future::isDone)
                && queued() == 50);
        release.countDown();
        for (Future<Integer> f : calls) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(rows()).isEqualTo(51);
        // the held unit ran alone, then the 50 waiting ones in one transaction
        assertThat(batcher.units()).isEqualTo(51);
        assertThat(batcher.batches()).isEqualTo(2);
    }

    private int queued() throws Exception {
        java.lang.reflect.Field f = WriteBatcher.class.getDeclaredField("queue");
        f.setAccessible(true);
        return ((java.util.Collection<?>) f.get(batcher)).size();
    }

    @Test
    void aFailingUnitFailsOnlyItsOwnCallerAndTheRestOfItsBatchIsCommitted() throws Exception {
        CountDownLatch release = holdWriter();
        List<Future<Integer>> good = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            int id = i;
            good.add(callers.submit(() -> batcher.execute(c -> insert(c, id))));
        }
        // id 0 is the held unit's row: a duplicate key inside the same batch as the ten good ones
        Future<Integer> bad = callers.submit(() -> batcher.execute(c -> insert(c, 0)));
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> queued() == 11);
        release.countDown();
        for (Future<Integer> f : good) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SQLException.class)
                .cause().satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
        assertThat(rows()).isEqualTo(11);
    }

    @Test
    void replayClaimsThroughTheBatcherKeepTheirMeaning() {
        ReplayGuard guard = new ReplayGuard(ds, batcher);
        Instant now = Instant.now();
        assertThat(guard.claim("dev-1", "m1", "aa", "ingress-1", now)).isEqualTo(ReplayGuard.Claim.FIRST);
        // the broker delivering the same message again before it was handled
        assertThat(guard.claim("dev-1", "m1", "aa", "ingress-1", now)).isEqualTo(ReplayGuard.Claim.REDELIVERY);
        // the device sending other bytes under a used msgId
        assertThat(guard.claim("dev-1", "m1", "bb", "ingress-2", now)).isEqualTo(ReplayGuard.Claim.REPLAY);
        guard.handled("dev-1", "m1");
        assertThat(guard.claim("dev-1", "m1", "aa", "ingress-1", now)).isEqualTo(ReplayGuard.Claim.ALREADY_HANDLED);
        assertThat(guard.claim("dev-1", "m1", "aa", "ingress-3", now)).isEqualTo(ReplayGuard.Claim.REPLAY);
        // another device's msgId space is its own
        assertThat(guard.claim("dev-2", "m1", "aa", null, now)).isEqualTo(ReplayGuard.Claim.FIRST);
    }

    @Test
    void afterCloseWritesStillHappenEachInItsOwnTransaction() throws Exception {
        batcher.close();
        int inserted = batcher.execute(c -> insert(c, 7));
        assertThat(inserted).isEqualTo(1);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void aDatabaseThatIsGoneFailsTheCallersWithTheDatabaseError() {
        JdbcDataSource gone = new JdbcDataSource();
        gone.setURL("jdbc:h2:tcp://127.0.0.1:1/nothing-listens-here");
        try (WriteBatcher b = new WriteBatcher(gone, 16, "test-writer-gone")) {
            assertThatThrownBy(() -> b.execute(c -> insert(c, 1)))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(StoreUnavailableException.isUnavailable((SQLException) e)).isTrue());
        }
    }
}
