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
        List<Long> wall = new ArrayList<>();
        List<Long> reported = new ArrayList<>();
        long first = -1;
        long firstReported = -1;
        for (int i = 0; i <= runs; i++) {
            List<String> jvm = jfr ? List.of("-XX:StartFlightRecording=filename=" + out.resolve("startup-" + i + ".jfr").toAbsolutePath()
                    + ",settings=profile") : List.of();
            try (ChildPlatform p = ChildPlatform.start(fresh, out.resolve("startup-" + i + ".log").toAbsolutePath(), jvm, List.of())) {
                out().printf("start %d: ready after %d ms from process start (the platform reports %d ms)%n", i, p.readyMillis(),
                        p.reportedMillis);
                out().flush();
                if (i == 0) {
                    first = p.readyMillis();
                    firstReported = p.reportedMillis;
                } else {
                    wall.add(p.readyMillis());
                    reported.add(p.reportedMillis);
                }
            }
        }
        long median = median(wall);
        report.put("firstStartMillis", first).put("firstStartReportedMillis", firstReported)
                .put("restartMillis", wall).put("restartReportedMillis", reported)
                .put("medianReadyMillis", median).put("medianReportedMillis", median(reported))
                .put("target", Map.of("readyMillis", 5000, "met", median >= 0 && median < 5000));
        report.line("From process start (java -jar deviceguard.jar run) to the line \"deviceguard ready\":").line("")
                .line("- first start on a fresh home (makes the PKI and the database): %d ms", first)
                .line("- restarts: %s ms, median **%d ms** (target < 5,000 ms)", wall, median)
                .line("- of which inside Platform.start (what the platform itself reports): median %d ms", median(reported));
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
