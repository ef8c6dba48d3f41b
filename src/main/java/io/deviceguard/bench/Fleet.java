package io.deviceguard.bench;

import io.deviceguard.config.Settings;
import io.deviceguard.device.BatchIssue;
import io.deviceguard.pki.Pem;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The benchmark's devices: {@code bench-000001} ... registered ACTIVE in the bench home with {@code pki issue-batch}
 * (keys made on the host, one PKCS#12 each, in HOME/bench-devices/). Made once and reused by later runs, so a second
 * run starts at once; a run that needs more devices issues only the missing ones.
 */
final class Fleet {

    static final String PREFIX = "bench-";

    private Fleet() {
    }

    static List<DeviceIdentity> ensure(Settings settings, int count, PrintWriter out) {
        Path dir = settings.home().root().resolve("bench-devices");
        List<String> ids = BatchIssue.ids(PREFIX, 1, count);
        int have = 0;
        while (have < count && Files.isRegularFile(dir.resolve(ids.get(have) + ".p12"))) {
            have++;
        }
        if (have < count) {
            long t0 = System.nanoTime();
            out.printf("issuing %d bench devices in %s ...%n", count - have, dir);
            out.flush();
            try (PlatformServices s = PlatformServices.open(settings, false)) {
                new BatchIssue(s.pki(), s.registry(), s.audit()).issue(PREFIX, have + 1, count - have, null, dir,
                        Duration.ofDays(365), "bench", n -> { });
            }
            out.printf("issued in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }
        X509Certificate ca = Pem.readCertificate(dir.resolve("ca.pem"));
        return IntStream.range(0, count).parallel().mapToObj(i -> load(dir, ids.get(i), ca)).toList();
    }

    private static DeviceIdentity load(Path dir, String id, X509Certificate ca) {
        try (InputStream in = Files.newInputStream(dir.resolve(id + ".p12"))) {
            char[] pw = Files.readString(dir.resolve(id + ".p12.password"), StandardCharsets.US_ASCII).trim().toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            String alias = ks.aliases().nextElement();
            PrivateKey key = (PrivateKey) ks.getKey(alias, pw);
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : Arrays.asList(ks.getCertificateChain(alias))) {
                chain.add((X509Certificate) c);
            }
            return new DeviceIdentity(id, key, chain, ca);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot load bench device " + id + " from " + dir + ": " + e.getMessage(), e);
        }
    }
}
