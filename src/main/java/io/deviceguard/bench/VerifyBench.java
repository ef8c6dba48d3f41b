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
        description = {"JMH: JWS verify (ES256, EdDSA), schema check, replay check, audit hashing, against the raw JCA",
                "ECDSA P-256 verify rate (first provider, SunEC, Bouncy Castle) and Ed25519's (first provider, Bouncy Castle)",
                "on this machine."})
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
        Map<String, Object> ratios = new LinkedHashMap<>();
        report.line("");
        ratio(report, ratios, results, "jwsVerifyToRawEcdsa", "jwsVerify", "jcaVerifyDefault",
                "the ES256 signature step (parse and verify) against the raw ECDSA P-256 verify of the first provider (%s)",
                provider("SHA256withECDSA"));
        ratio(report, ratios, results, "firstProviderToSunEc", "jcaVerifyDefault", "jcaVerifySunEC",
                "raw ECDSA P-256 verify, first provider (%s) against SunEC (the JDK's default)", provider("SHA256withECDSA"));
        ratio(report, ratios, results, "jwsVerifyEd25519ToRawEd25519", "jwsVerifyEd25519", "jcaVerifyEd25519Default",
                "the EdDSA signature step (parse and verify through the JCA) against the raw Ed25519 verify of the first provider (%s)",
                provider("Ed25519"));
        ratio(report, ratios, results, "jwsVerifyEd25519ToTink", "jwsVerifyEd25519", "jwsVerifyEd25519Tink",
                "the EdDSA signature step through the JCA against nimbus's own verifier on Tink%s", "");
        ratio(report, ratios, results, "jwsVerifyEd25519ToJwsVerify", "jwsVerifyEd25519", "jwsVerify",
                "the signature step for an EdDSA device against an ES256 one%s", "");
        report.put("threads", threads).put("providers", Map.of("SHA256withECDSA", provider("SHA256withECDSA"), "Ed25519", provider("Ed25519")))
                .put("results", results).put("ratios", ratios);
        report.write(out, out());
        return 0;
    }

    private static void ratio(Report report, Map<String, Object> ratios, Map<String, Object> results, String key, String of, String to,
            String what, String arg) {
        if (results.get(of) instanceof Map<?, ?> a && results.get(to) instanceof Map<?, ?> b
                && a.get("opsPerSecond") instanceof Long x && b.get("opsPerSecond") instanceof Long y && y > 0) {
            double r = Math.round(x * 1000.0 / y) / 1000.0;
            ratios.put(key, r);
            report.line("- " + String.format(what, arg) + ": **x%s**", r);
        }
    }

    /** The provider that serves {@code algorithm} first in this JVM (the benchmarks' forked JVM installs the same). */
    private static String provider(String algorithm) {
        io.deviceguard.crypto.CryptoProviders.install();
        try {
            return java.security.Signature.getInstance(algorithm).getProvider().getName();
        } catch (java.security.NoSuchAlgorithmException e) {
            return "none";
        }
    }
}
