package io.deviceguard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.cli.AuditCommand;
import io.deviceguard.cli.DeviceGuardCommand;
import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail's commands as an auditor uses them: export, verify (home and export), checkpoint, archive. */
class AuditCliIT {

    @TempDir
    Path home;

    record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                TestDatabase.cliEnvironment(args)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private void sql(String statement) throws Exception {
        try (PlatformServices s = PlatformServices.open(Settings.load(new Home(home), TestDatabase.settings(home), Map.of()), false);
             Connection c = s.database().dataSource().getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    @Test
    void exportVerifyCheckpointAndArchiveRoundTrip() throws Exception {
        for (String id : List.of("a-1", "a-2", "a-3")) {
            assertThat(run("device", "create", id, "--home", home.toString(), "--out", home.resolve("out").toString()).exit()).isZero();
        }
        Run cp = run("audit", "checkpoint", "--home", home.toString());
        assertThat(cp.out()).contains("checkpoint signed: row");

        Run verify = run("audit", "verify", "--home", home.toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(verify.out()).startsWith("intact:");

        Run export = run("audit", "export", "--home", home.toString(), "--format", "jsonl");
        assertThat(export.exit()).isZero();
        Path file = home.resolve("trail.jsonl");
        Files.writeString(file, export.out());
        Run verifyExport = run("audit", "verify", "--export", file.toString(), "--home", home.toString());
        assertThat(verifyExport.exit()).as(verifyExport.out()).isZero();

        // an export cut short (seal gone) is detected and located
        List<String> lines = Files.readAllLines(file);
        Files.write(home.resolve("cut.jsonl"), lines.subList(0, lines.size() - 2));
        Run cut = run("audit", "verify", "--export", home.resolve("cut.jsonl").toString(), "--home", home.toString());
        assertThat(cut.exit()).isEqualTo(AuditCommand.EXIT_TAMPERED);
        assertThat(cut.out()).contains("NOT INTACT: row");

        Run csv = run("audit", "export", "--home", home.toString(), "--format", "csv");
        assertThat(csv.out().lines().findFirst()).contains("seq,ts,category,actor_type,actor,action,target,outcome,details,prev_hash,hash");
        assertThat(csv.out().lines().count()).isGreaterThan(3);

        // retention: archive everything so far, add rows, the trail still verifies across the cut
        Path archive = home.resolve("archive.jsonl");
        Run archived = run("audit", "archive", "--before", Instant.now().plusSeconds(1).toString(), "--out", archive.toString(),
                "--home", home.toString());
        assertThat(archived.exit()).as(archived.out() + archived.err()).isZero();
        assertThat(archived.out()).contains("archived");
        assertThat(run("device", "create", "a-4", "--home", home.toString(), "--out", home.resolve("out").toString()).exit()).isZero();
        Run afterCut = run("audit", "verify", "--home", home.toString());
        assertThat(afterCut.exit()).as(afterCut.out()).isZero();
        assertThat(run("audit", "verify", "--export", archive.toString(), "--home", home.toString()).exit()).isZero();
    }

    @Test
    void anEditedOrDeletedRowInTheDatabaseIsNamed() throws Exception {
        for (String id : List.of("b-1", "b-2", "b-3", "b-4")) {
            run("device", "create", id, "--home", home.toString(), "--out", home.resolve("out").toString());
        }
        sql("update audit_events set actor = 'nobody' where seq = 2");
        Run edited = run("audit", "verify", "--home", home.toString());
        assertThat(edited.exit()).isEqualTo(AuditCommand.EXIT_TAMPERED);
        assertThat(edited.out()).contains("row 2: altered");
        Run refused = run("audit", "export", "--home", home.toString());
        assertThat(refused.exit()).as("a tampered trail is not exported").isNotZero();
        assertThat(refused.err()).contains("does not verify");

        sql("delete from audit_events where seq = 2");
        Run deleted = run("audit", "verify", "--home", home.toString());
        assertThat(deleted.exit()).isEqualTo(AuditCommand.EXIT_TAMPERED);
        assertThat(deleted.out()).contains("row 2: missing");
    }
}
