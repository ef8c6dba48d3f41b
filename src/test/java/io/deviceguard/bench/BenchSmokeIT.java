package io.deviceguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.testing.JarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness as a user runs it ({@code deviceguard bench throughput} from the packaged jar), with tiny
 * numbers: 5 devices, one short step, the bare Artemis baseline and deviceguard. It must write its JSON with every
 * field the report promises, and deviceguard must have handled (verified, checked, audited) every message offered.
 */
@org.junit.jupiter.api.Tag("alone") // measures latency or timing, or loads the machine: runs after the parallel tests, one at a time
class BenchSmokeIT {

    @TempDir
    Path dir;

    @Test
    void throughputWritesItsResultsWithEveryField() throws Exception {
        Path out = dir.resolve("bench");
        JarProcess.Result r = JarProcess.run("bench-smoke", dir, Map.of(), null, "bench", "throughput", "--devices", "5",
                "--step-seconds", "2", "--start-rate", "20", "--max-rate", "20", "--warmup-seconds", "2", "--targets", "artemis-bare,deviceguard",
                "--out", out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("results: ").contains("throughput.json");
        JsonNode json = new ObjectMapper().readTree(out.resolve("throughput.json").toFile());
        assertThat(json.path("machine").path("cpus").asInt()).isPositive();
        assertThat(json.path("machine").path("cryptoProvider").asText()).isNotEmpty();
        for (String target : new String[] {"artemis-bare", "deviceguard"}) {
            JsonNode t = json.path("targets").path(target);
            assertThat(t.path("devices").asInt()).as(target).isEqualTo(5);
            assertThat(t.path("peakHandledPerSecond").asLong()).as(target).isPositive();
            assertThat(t.path("warmup").path("offered").asInt()).as(target + ": the warm-up, 2 s at half the start rate").isEqualTo(20);
            JsonNode step = t.path("steps").get(0);
            assertThat(step.path("offered").asInt()).as(target).isEqualTo(40);
            assertThat(step.path("handled").asInt()).as(target + ": every message handled").isEqualTo(40);
            assertThat(step.path("latency").path("p99Ms").asLong()).as(target).isNotNegative();
            assertThat(step.path("jitPercentOfMachine").isNumber()).as(target + ": the JIT's share of the CPU in the step").isTrue();
            assertThat(step.path("processCpuPercentOfMachine").asLong()).as(target).isPositive();
            assertThat(t.path("jitPercentAtPeak").isNumber()).as(target).isTrue();
            assertThat(t.path("atHalfPeak").path("latency").has("p50Ms")).as(target).isTrue();
        }
        JsonNode own = json.path("targets").path("deviceguard").path("steps").get(0).path("target");
        assertThat(own.path("routes").path("telemetry-in").path("exchanges").asLong())
                .as("the platform's own statistics of the step: every message through its inbound route").isEqualTo(40);
        assertThat(own.path("routes").path("integrity-freshness").path("meanMillis").isNumber()).isTrue();
        assertThat(own.path("pipelineWriter").path("writes").asLong()).as("claims, audit batches, rows, handled marks").isPositive();
        assertThat(json.path("targets").path("artemis-bare").path("steps").get(0).has("target")).as("a bare broker has none").isFalse();
        assertThat(json.path("ratios").path("deviceguardToArtemisBare").asDouble()).isPositive();
        assertThat(Files.readString(out.resolve("throughput.md"))).contains("| deviceguard |").contains("JIT's share of the CPU")
                .contains("Where a message of deviceguard's peak step spent its time").contains("telemetry-in");
    }

    @Test
    void connectBringsEveryDeviceBackAfterTheStormAndCountsWhatFailedOnTheWay() throws Exception {
        Path out = dir.resolve("bench-connect");
        JarProcess.Result r = JarProcess.run("bench-connect", dir, Map.of(), null, "bench", "connect", "--devices", "30",
                "--concurrency", "10", "--heap", "512m", "--home", dir.resolve("connect-home").toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("connect.json").toFile());
        for (String round : new String[] {"firstConnect", "reconnectStorm"}) {
            JsonNode n = json.path(round);
            assertThat(n.path("connected").asInt()).as(round + ": " + r.output()).isEqualTo(30);
            assertThat(n.path("failed").asInt()).as(round).isZero();
            assertThat(n.path("allConnectedMillis").asLong()).as(round).isPositive();
            // a failed attempt is counted by its cause, and the causes add up to the attempts
            int byCause = 0;
            for (JsonNode c : n.path("failedAttemptCauses")) {
                byCause += c.asInt();
            }
            assertThat(byCause).as(round).isEqualTo(n.path("failedAttempts").asInt());
            assertThat(n.path("devicesRetried").asInt()).as(round).isBetween(0, n.path("failedAttempts").asInt());
        }
        assertThat(Files.readString(out.resolve("connect.md"))).contains("| reconnect storm | 30 |")
                .contains("failed attempts, by cause").contains("retry a failed connect as the SDK's do");
    }

    @Test
    void fanoutDrivesAPlatformInItsOwnProcessUntilEveryDeviceSucceeded() throws Exception {
        Path out = dir.resolve("bench");
        Path home = dir.resolve("fanout-home");
        // the platform's request body limit (bench and platform read it alike) is set so low that the group's 20 members
        // do not fit in one request: the bench adds them in parts, as it must for 10,000 devices and the 16 KiB default
        JarProcess.Result r = JarProcess.run("bench-fanout", dir, Map.of("DEVICEGUARD_API_MAXBODYBYTES", "300"), null,
                "bench", "fanout", "--devices", "20",
                "--timeout", "120", "--heap", "512m", "--home", home.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("fanout.json").toFile());
        assertThat(json.path("connected").asInt()).as(r.output()).isEqualTo(20);
        assertThat(json.path("succeeded").asInt()).as("every device verified the command and reported SUCCEEDED").isEqualTo(20);
        assertThat(json.path("allSucceededMillis").asLong()).isPositive();
        assertThat(json.path("allPublishedMillis").asLong()).isBetween(0L, json.path("allSucceededMillis").asLong());
        assertThat(json.path("counts").path("SUCCEEDED").asInt()).isEqualTo(20);
        assertThat(json.path("warmupCommands")).as("one warm-up command by default, not counted").hasSize(1);
        assertThat(json.path("warmupCommands").get(0).path("succeeded").asInt()).isEqualTo(20);
        // the command came through the admin API from the bench's operator, and the platform ran as its own process
        assertThat(Files.readString(out.resolve("fanout-platform.log"))).contains("deviceguard ready in");
        Path password = home.resolve("bench-devices").resolve(FanoutBench.OPERATOR_FILE);
        assertThat(java.nio.file.Files.getPosixFilePermissions(password))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(Files.readString(out.resolve("fanout.md"))).contains("20 of 20 SUCCEEDED");
    }

    @Test
    void verifyMeasuresEveryHotPathStepNextToTheRawSignatureVerifyRates() throws Exception {
        Path out = dir.resolve("bench");
        JarProcess.Result r = JarProcess.run("bench-verify", dir, Map.of(), null, "bench", "verify", "--iterations", "1",
                "--out", out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("verify.json").toFile());
        for (String b : new String[] {"jcaVerifyDefault", "jcaVerifySunEC", "jcaVerifyBouncyCastle", "jcaVerifyEd25519Default",
                "jcaVerifyEd25519BouncyCastle", "jwsVerify", "jwsVerifyEd25519", "jwsVerifyEd25519Tink", "schemaCheck", "replayCheck", "auditHash"}) {
            assertThat(json.path("results").path(b).path("opsPerSecond").asLong()).as(b + " measured").isPositive();
        }
        for (String alg : new String[] {"SHA256withECDSA", "Ed25519"}) {
            assertThat(json.path("providers").path(alg).asText()).as("the provider that the pipeline's " + alg + " runs on")
                    .isNotEmpty().isNotEqualTo("none");
        }
        for (String ratio : new String[] {"jwsVerifyToRawEcdsa", "firstProviderToSunEc", "jwsVerifyEd25519ToRawEd25519",
                "jwsVerifyEd25519ToTink", "jwsVerifyEd25519ToJwsVerify"}) {
            assertThat(json.path("ratios").path(ratio).asDouble()).as(ratio).isPositive();
        }
        assertThat(Files.readString(out.resolve("verify.md"))).contains("| jwsVerifyEd25519 |")
                .contains("against the raw ECDSA P-256 verify of the first provider");
    }

    @Test
    void startupArchiveHoldsTheClassesAStartLoads() throws Exception {
        Path jsa = dir.resolve("test.jsa");
        JarProcess.Result r = JarProcess.run("startup-archive", dir, Map.of(), null, "startup-archive",
                "--work", dir.resolve("work").toString(), "--archive", jsa.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("classes recorded").contains("wrote " + jsa);
        assertThat(Files.size(jsa)).isGreaterThan(10L << 20);
        assertThat(dir.resolve("test.jsa.partial")).doesNotExist();

        // -Xshare:on refuses to start with an archive it cannot use; the deviceguard classes come out of the archive
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:on",
                "-XX:SharedArchiveFile=" + jsa, "-Xlog:class+load=info", "-jar", JarProcess.jar().toString(), "--version")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("io.deviceguard.cli.DeviceGuardCommand source: shared objects file")
                .contains("picocli.CommandLine source: shared objects file");
    }
}
