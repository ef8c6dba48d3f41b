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

    @Option(names = "--java", paramLabel = "FILE",
            description = "Also time starts on this Java runtime (its bin/java), side by side in the same run; repeatable. "
                    + "Each runtime's archive (deviceguard startup-archive run on it) is used where it has one.")
    List<Path> otherJava = new ArrayList<>();

    /** The restarts of one Java runtime, without and with its start-up archive. */
    private static final class Series {
        final Jvm jvm;
        final boolean archive;
        final List<Long> wall = new ArrayList<>();
        final List<Long> reported = new ArrayList<>();
        final List<Long> wallArchive = new ArrayList<>();
        final List<Long> reportedArchive = new ArrayList<>();

        Series(Jvm jvm, Path jar) {
            this.jvm = jvm;
            this.archive = jvm.hasArchive(jar);
        }

        long best() {
            long m = median(wallArchive);
            return m >= 0 ? m : median(wall);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path fresh = out.resolve("startup-home").toAbsolutePath();
        BenchCommand.deleteTree(fresh);
        Report report = new Report("startup");
        Path jar = ChildPlatform.jar();
        List<Series> series = new ArrayList<>();
        series.add(new Series(Jvm.current(), jar));
        for (Path java : otherJava) {
            Jvm jvm = Jvm.of(java);
            if (series.stream().noneMatch(s -> s.jvm.java().equals(jvm.java()))) {
                series.add(new Series(jvm, jar));
            }
        }
        long first = -1;
        long firstReported = -1;
        // the first start makes the home with this JVM; then each round restarts it on every runtime in turn,
        // once without its archive and once with it, back to back
        for (int i = 0; i <= runs; i++) {
            for (int j = 0; j < series.size(); j++) {
                Series s = series.get(j);
                if (i == 0 && j > 0) {
                    break;
                }
                for (boolean useArchive : i == 0 || !s.archive ? List.of(false) : List.of(false, true)) {
                    String name = "startup-" + i + (j == 0 ? "" : "-java" + s.jvm.feature()) + (useArchive ? "-archive" : "");
                    List<String> jvmArgs = new ArrayList<>();
                    if (useArchive) {
                        jvmArgs.add(s.jvm.archiveOption(s.jvm.archiveFor(jar)));
                    }
                    if (jfr) {
                        jvmArgs.add("-XX:StartFlightRecording=filename=" + out.resolve(name + ".jfr").toAbsolutePath() + ",settings=profile");
                    }
                    try (ChildPlatform p = ChildPlatform.start(s.jvm, fresh, out.resolve(name + ".log").toAbsolutePath(), jvmArgs, List.of())) {
                        out().printf("start %d on Java %s%s: ready after %d ms from process start (the platform reports %d ms)%n", i,
                                s.jvm.version(), useArchive ? " with its start-up archive" : "", p.readyMillis(), p.reportedMillis);
                        out().flush();
                        if (i == 0) {
                            first = p.readyMillis();
                            firstReported = p.reportedMillis;
                        } else {
                            (useArchive ? s.wallArchive : s.wall).add(p.readyMillis());
                            (useArchive ? s.reportedArchive : s.reported).add(p.reportedMillis);
                        }
                    }
                }
            }
        }
        Series own = series.get(0);
        Series fastest = own;
        for (Series s : series) {
            if (s.best() >= 0 && s.best() < fastest.best()) {
                fastest = s;
            }
        }
        long best = fastest.best();
        report.put("firstStartMillis", first).put("firstStartReportedMillis", firstReported)
                .put("java", own.jvm.version())
                .put("restartMillis", own.wall).put("restartReportedMillis", own.reported)
                .put("medianReadyMillis", median(own.wall)).put("medianReportedMillis", median(own.reported))
                .put("archive", own.archive ? own.jvm.archiveFor(jar).toString() : null)
                .put("restartMillisWithArchive", own.wallArchive).put("restartReportedMillisWithArchive", own.reportedArchive)
                .put("medianReadyMillisWithArchive", median(own.wallArchive)).put("medianReportedMillisWithArchive", median(own.reportedArchive));
        List<Map<String, Object>> runtimes = new ArrayList<>();
        for (Series s : series) {
            Map<String, Object> r = new java.util.LinkedHashMap<>();
            r.put("java", s.jvm.version());
            r.put("path", s.jvm.java().toString());
            r.put("archive", s.archive ? s.jvm.archiveFor(jar).toString() : null);
            r.put("archiveKind", s.jvm.aotCache() ? "ahead-of-time cache" : "class-data sharing");
            r.put("restartMillis", s.wall);
            r.put("restartReportedMillis", s.reported);
            r.put("medianReadyMillis", median(s.wall));
            r.put("restartMillisWithArchive", s.wallArchive);
            r.put("restartReportedMillisWithArchive", s.reportedArchive);
            r.put("medianReadyMillisWithArchive", median(s.wallArchive));
            r.put("medianReportedMillisWithArchive", median(s.reportedArchive));
            runtimes.add(r);
        }
        report.put("runtimes", runtimes);
        report.put("target", Map.of("readyMillis", 5000, "met", best >= 0 && best < 5000, "bestMedianMillis", best,
                "bestOn", fastest.jvm.version() + (fastest.wallArchive.isEmpty() ? "" : " with its start-up archive")));
        report.line("From process start (java -jar deviceguard.jar run) to the line \"deviceguard ready\":").line("")
                .line("- first start on a fresh home (makes the PKI and the database, Java %s): %d ms", own.jvm.version(), first);
        for (Series s : series) {
            String kind = s.jvm.aotCache() ? "ahead-of-time cache" : "class-data archive";
            report.line("- Java %s (%s), restarts: %s ms, median **%d ms**; inside Platform.start (what the platform itself "
                    + "reports): median %d ms", s.jvm.version(), s.jvm.java(), s.wall, median(s.wall), median(s.reported));
            if (s.archive) {
                report.line("  - with its %s (`deviceguard startup-archive` on that runtime), each right after one without: "
                        + "%s ms, median **%d ms** (%.2fx faster); inside Platform.start: median %d ms", kind, s.wallArchive,
                        median(s.wallArchive), median(s.wallArchive) > 0 ? (double) median(s.wall) / median(s.wallArchive) : 0,
                        median(s.reportedArchive));
            } else {
                report.line("  - no %s of this runtime beside the jar: `deviceguard startup-archive` run on it makes one, and "
                        + "this benchmark then also measures restarts with it", kind);
            }
        }
        if (series.size() > 1 && own.best() > 0 && best > 0) {
            report.line("").line("Fastest: Java %s%s, median %d ms: %.2fx as fast as Java %s%s (median %d ms), measured side by side.",
                    fastest.jvm.version(), fastest.wallArchive.isEmpty() ? "" : " with its archive", best,
                    (double) own.best() / best, own.jvm.version(), own.wallArchive.isEmpty() ? "" : " with its archive", own.best());
        }
        report.line("").line("Target < 5,000 ms: **%s** (best median %d ms).", best >= 0 && best < 5000 ? "met" : "missed", best);
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
