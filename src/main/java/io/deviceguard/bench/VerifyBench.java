package io.deviceguard.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deviceguard bench verify}: JMH microbenchmarks of the per-message hot path (see jmh/HotPathBenchmarks). */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"JMH: JWS verify, schema check, replay check, audit hashing, against the raw JCA",
                "ECDSA P-256 verify rate (first provider, SunEC, Bouncy Castle) on this machine."})
final class VerifyBench extends BenchCommand.Common implements Callable<Integer> {

    @Option(names = "--iterations", defaultValue = "3", description = "Measured iterations of 1 s (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--threads", defaultValue = "1", description = "Benchmark threads (default ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws Exception {
        Options opts = new OptionsBuilder()
                .include(io.deviceguard.bench.jmh.HotPathBenchmarks.class.getName())
                .forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .threads(threads)
                .jvmArgsAppend("-Xmx1g")
                .build();
        Report report = new Report("verify");
        Map<String, Object> results = new LinkedHashMap<>();
        report.line("JMH 1.37, 1 fork, 2 warm-up + %d measured iterations of 1 s, %d thread(s); operations per second.", iterations, threads)
                .line("").line("| benchmark | ops/s | ± (99.9%%) |").line("|---|---|---|");
        for (RunResult r : new Runner(opts).run()) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            double score = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            results.put(name, Map.of("opsPerSecond", Math.round(score), "error", Double.isNaN(err) ? 0 : Math.round(err)));
            report.line("| %s | %,d | %,d |", name, Math.round(score), Double.isNaN(err) ? 0 : Math.round(err));
        }
        report.put("threads", threads).put("results", results);
        report.write(out, out());
        return 0;
    }
}
