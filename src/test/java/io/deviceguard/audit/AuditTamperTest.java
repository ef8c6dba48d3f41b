package io.deviceguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.testing.TestPlatform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tamper evidence: 1,000 random edits, deletions, insertions, reorderings and truncations of a copy of the table,
 * and 1,000 of an export, each detected and located at the row where it was made.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditTamperTest {

    static final int ROWS = 300;

    @TempDir
    static Path home;
    PlatformServices services;
    List<AuditRecord> table;
    List<Checkpoint> checkpoints;
    AuditVerifier.Head head;
    PublicKey key;
    List<String> exportLines;

    @BeforeAll
    void buildATrail() throws Exception {
        Map<String, String> props = new HashMap<>(TestPlatform.testProperties());
        props.put("deviceguard.audit.checkpointEveryRows", "100");
        services = PlatformServices.open(Settings.load(new Home(home), props, Map.of()), true);
        for (int i = 0; i < ROWS; i++) {
            services.audit().record(AuditEvent.of(AuditCategory.MESSAGE, "telemetry").device("dev-" + (i % 7))
                    .target("devices/dev-" + (i % 7) + "/telemetry").detail("n", i).build());
        }
        services.audit().recordAndWait(AuditEvent.of(AuditCategory.PLATFORM, "marker").build());
        table = new AuditTrail(services.database().dataSource()).all();
        checkpoints = CheckpointStore.readFile(services.checkpoints().file());
        head = CheckpointStore.readHead(services.checkpoints().headFile()).orElseThrow();
        key = services.pki().auditCertificate().getPublicKey();
        StringWriter export = new StringWriter();
        new AuditTools(services.database().dataSource(), services.checkpoints(), key).export(new PrintWriter(export), null, "jsonl");
        exportLines = export.toString().lines().toList();
    }

    @AfterAll
    void close() {
        services.close();
    }

    @Test
    void theUntouchedTrailAndItsExportVerify() throws IOException {
        assertThat(table).hasSize(ROWS + 1);
        assertThat(checkpoints).as("a checkpoint every 100 rows").extracting(Checkpoint::seq).contains(100L, 200L, 300L);
        assertThat(AuditVerifier.verify(table.iterator(), checkpoints, head, key).intact()).isTrue();
        assertThat(verifyExport(exportLines).intact()).isTrue();
        assertThat(new AuditTools(services.database().dataSource(), services.checkpoints(), key).verifyDatabase().problem()).isNull();
    }

    @Test
    void thousandTamperingsOfTheTableAreAllDetectedAndLocated() {
        Random rnd = new Random(7);
        Map<String, Integer> kinds = new HashMap<>();
        for (int n = 0; n < 1000; n++) {
            List<AuditRecord> copy = new ArrayList<>(table);
            int i = 1 + rnd.nextInt(copy.size() - 2);
            AuditRecord r = copy.get(i);
            long expected;
            String kind = switch (n % 5) {
                case 0 -> "edit";
                case 1 -> "delete";
                case 2 -> "insert";
                case 3 -> "reorder";
                default -> "truncate";
            };
            switch (kind) {
                case "edit" -> {
                    copy.set(i, edited(rnd, r));
                    expected = r.seq();
                }
                case "delete" -> {
                    copy.remove(i);
                    expected = r.seq();
                }
                case "insert" -> {
                    copy.add(i + 1, forged(rnd, r, rnd.nextBoolean()));
                    expected = r.seq() + 1;
                }
                case "reorder" -> {
                    copy.set(i, copy.get(i + 1));
                    copy.set(i + 1, r);
                    expected = r.seq();
                }
                default -> {
                    copy = new ArrayList<>(copy.subList(0, i));
                    expected = r.seq();
                }
            }
            AuditVerifier.Result result = AuditVerifier.verify(copy.iterator(), checkpoints, head, key);
            assertThat(result.intact()).as(kind + " at row " + r.seq()).isFalse();
            assertThat(result.problem().seq()).as(kind + " at row " + r.seq() + ": " + result.problem()).isEqualTo(expected);
            kinds.merge(kind, 1, Integer::sum);
        }
        assertThat(kinds).containsEntry("edit", 200).containsEntry("truncate", 200);
    }

    @Test
    void aChainRewrittenFromAnEditOnwardIsCaughtByTheSignedCheckpoints() {
        List<AuditRecord> copy = new ArrayList<>(table);
        int i = 120;
        String prev = copy.get(i - 1).hash();
        for (int j = i; j < copy.size(); j++) {
            AuditRecord r = copy.get(j);
            String actor = j == i ? "someone-else" : r.actor();
            String h = AuditRecord.hash(r.seq(), r.ts(), r.category(), r.actorType(), actor, r.action(), r.target(),
                    r.outcome(), r.details(), prev);
            copy.set(j, new AuditRecord(r.seq(), r.ts(), r.category(), r.actorType(), actor, r.action(), r.target(),
                    r.outcome(), r.details(), prev, h));
            prev = h;
        }
        AuditVerifier.Result result = AuditVerifier.verify(copy.iterator(), checkpoints, head, key);
        assertThat(result.intact()).isFalse();
        long nextCheckpoint = checkpoints.stream().mapToLong(Checkpoint::seq).filter(s -> s >= 121).min().orElseThrow();
        assertThat(result.problem().seq()).as(result.problem().toString()).isEqualTo(nextCheckpoint);
        assertThat(result.problem().what()).contains("signed");
    }

    @Test
    void thousandTamperingsOfAnExportAreAllDetectedAndLocated() throws IOException {
        Random rnd = new Random(11);
        List<Integer> rowLines = new ArrayList<>();
        for (int l = 0; l < exportLines.size(); l++) {
            if (exportLines.get(l).contains("\"kind\":\"row\"")) {
                rowLines.add(l);
            }
        }
        for (int n = 0; n < 1000; n++) {
            List<String> copy = new ArrayList<>(exportLines);
            int pick = 1 + rnd.nextInt(rowLines.size() - 2);
            int line = rowLines.get(pick);
            long seq = table.get(pick).seq();
            long expected = seq;
            switch (n % 5) {
                case 0 -> copy.set(line, copy.get(line).replaceFirst("\"actor\":\"[^\"]*\"", "\"actor\":\"intruder\""));
                case 1 -> copy.remove(line);
                case 2 -> {
                    copy.add(line + 1, copy.get(line).replace("\"seq\":" + seq, "\"seq\":" + (seq + 1)));
                    expected = seq + 1;
                }
                case 3 -> {
                    int next = rowLines.get(pick + 1);
                    String a = copy.get(line);
                    copy.set(line, copy.get(next));
                    copy.set(next, a);
                }
                default -> copy = new ArrayList<>(copy.subList(0, line));
            }
            AuditVerifier.Result r = verifyExport(copy);
            assertThat(r.intact()).as("tampering " + n % 5 + " at row " + seq).isFalse();
            assertThat(r.problem().seq()).as("tampering " + n % 5 + " at row " + seq + ": " + r.problem()).isEqualTo(expected);
        }
    }

    private AuditVerifier.Result verifyExport(List<String> lines) throws IOException {
        AuditExport.Parsed p = AuditExport.read(new BufferedReader(new StringReader(String.join("\n", lines))));
        AuditVerifier.Result r = AuditVerifier.verify(p.rows().iterator(), p.checkpoints(), null, key);
        if (r.intact() && !p.sealed()) {
            return new AuditVerifier.Result(r.rowsChecked(), r.firstSeq(), r.lastSeq(), 0,
                    new AuditVerifier.Problem(r.lastSeq() + 1, "unsealed"));
        }
        return r;
    }

    private static AuditRecord edited(Random rnd, AuditRecord r) {
        return switch (rnd.nextInt(5)) {
            case 0 -> new AuditRecord(r.seq(), r.ts(), r.category(), r.actorType(), "intruder", r.action(), r.target(), r.outcome(), r.details(), r.prevHash(), r.hash());
            case 1 -> new AuditRecord(r.seq(), r.ts().plusSeconds(1), r.category(), r.actorType(), r.actor(), r.action(), r.target(), r.outcome(), r.details(), r.prevHash(), r.hash());
            case 2 -> new AuditRecord(r.seq(), r.ts(), r.category(), r.actorType(), r.actor(), r.action(), r.target(), "denied", r.details(), r.prevHash(), r.hash());
            case 3 -> new AuditRecord(r.seq(), r.ts(), r.category(), r.actorType(), r.actor(), r.action(), r.target(), r.outcome(), "{\"n\":-1}", r.prevHash(), r.hash());
            default -> new AuditRecord(r.seq(), r.ts(), r.category(), r.actorType(), r.actor(), r.action(), r.target(), r.outcome(), r.details(), r.prevHash(), AuditRecord.GENESIS);
        };
    }

    /** A row claiming the next place after {@code after}; when {@code careful}, its hashes are right. */
    private static AuditRecord forged(Random rnd, AuditRecord after, boolean careful) {
        long seq = after.seq() + 1;
        Instant ts = after.ts().plusMillis(1);
        String details = "{\"forged\":" + rnd.nextInt(1000) + "}";
        String prev = careful ? after.hash() : AuditRecord.GENESIS;
        String hash = careful ? AuditRecord.hash(seq, ts, "message", "device", "ghost", "telemetry", null, "success", details, prev)
                : AuditRecord.GENESIS;
        return new AuditRecord(seq, ts, "message", "device", "ghost", "telemetry", null, "success", details, prev, hash);
    }
}
