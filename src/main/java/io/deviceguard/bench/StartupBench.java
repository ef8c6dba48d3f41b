package io.deviceguard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deviceguard bench startup}: {@code deviceguard run} as a user starts it, timed from process start to the
 * "deviceguard ready" line. The first start of a fresh home makes its PKI and database; the others restart it.
 */
@Command(name = "startup", mixinStandardHelpOptions = true,
        description = {"Time from process start to ready: a first start on a fresh home, then restarts (median)."})
final class StartupBench extends BenchCommand.Common implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "5", description = "Restarts after the first start (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--jfr", description = "Record each start with Java Flight Recorder (OUT/startup-N.jfr): where the time goes")
    boolean jfr;

    @Override
    public Integer call() throws Exception {
        Path fresh = out.resolve("startup-home").toAbsolutePath();
        BenchCommand.deleteTree(fresh);
        Report report = new Report("startup");
        List<String> archive = StartupArchiveCommand.jvmOptions(ChildPlatform.jar());
        List<Long> wall = new ArrayList<>();
        List<Long> reported = new ArrayList<>();
        List<Long> wallArchive = new ArrayList<>();
        List<Long> reportedArchive = new ArrayList<>();
        long first = -1;
        long firstReported = -1;
        // with an archive, each round starts once without it and once with it, back to back
        for (int i = 0; i <= runs; i++) {
            for (boolean useArchive : i == 0 || archive.isEmpty() ? List.of(false) : List.of(false, true)) {
                String name = "startup-" + i + (useArchive ? "-archive" : "");
                List<String> jvm = new ArrayList<>(useArchive ? archive : List.of());
                if (jfr) {
                    jvm.add("-XX:StartFlightRecording=filename=" + out.resolve(name + ".jfr").toAbsolutePath() + ",settings=profile");
                }
                try (ChildPlatform p = ChildPlatform.start(fresh, out.resolve(name + ".log").toAbsolutePath(), jvm, List.of())) {
                    out().printf("start %d%s: ready after %d ms from process start (the platform reports %d ms)%n", i,
                            useArchive ? " with the class-data archive" : "", p.readyMillis(), p.reportedMillis);
                    out().flush();
                    if (i == 0) {
                        first = p.readyMillis();
                        firstReported = p.reportedMillis;
                    } else {
                        (useArchive ? wallArchive : wall).add(p.readyMillis());
                        (useArchive ? reportedArchive : reported).add(p.reportedMillis);
                    }
                }
            }
        }
        long median = median(wall);
        long medianArchive = median(wallArchive);
        long best = medianArchive >= 0 ? medianArchive : median;
        report.put("firstStartMillis", first).put("firstStartReportedMillis", firstReported)
                .put("restartMillis", wall).put("restartReportedMillis", reported)
                .put("medianReadyMillis", median).put("medianReportedMillis", median(reported))
                .put("archive", archive.isEmpty() ? null : StartupArchiveCommand.archiveFor(ChildPlatform.jar()).toString())
                .put("restartMillisWithArchive", wallArchive).put("restartReportedMillisWithArchive", reportedArchive)
                .put("medianReadyMillisWithArchive", medianArchive).put("medianReportedMillisWithArchive", median(reportedArchive))
                .put("target", Map.of("readyMillis", 5000, "met", best >= 0 && best < 5000));
        report.line("From process start (java -jar deviceguard.jar run) to the line \"deviceguard ready\":").line("")
                .line("- first start on a fresh home (makes the PKI and the database): %d ms", first)
                .line("- restarts: %s ms, median **%d ms** (target < 5,000 ms)", wall, median)
                .line("- of which inside Platform.start (what the platform itself reports): median %d ms", median(reported));
        if (archive.isEmpty()) {
            report.line("- no class-data archive beside the jar: `deviceguard startup-archive` makes one, and this "
                    + "benchmark then also measures restarts with it");
        } else {
            report.line("- restarts with the class-data archive (`deviceguard startup-archive`), each right after one "
                    + "without: %s ms, median **%d ms** (%.2fx faster); inside Platform.start: median %d ms",
                    wallArchive, medianArchive, medianArchive > 0 ? (double) median / medianArchive : 0, median(reportedArchive));
        }
        report.write(out, out());
        return 0;
    }

    static long median(List<Long> values) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> v = new ArrayList<>(values);
        v.sort(null);
        return v.get(v.size() / 2);
    }
}
