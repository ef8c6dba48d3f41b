package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.pki.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Factory-host issuance for production lines without a secure element: keys are made on the host, one PKCS#12 per
 * device ({@code ID.p12}, its password in {@code ID.p12.password}) plus {@code ca.pem} and {@code manifest.csv}
 * (id, certificate fingerprint). The devices are registered ACTIVE in one transaction: all, or none.
 */
public final class BatchIssue {

    public record Result(List<String> ids, Path dir, long millis) {
    }

    private final Pki pki;
    private final DeviceRegistry registry;
    private final AuditLog audit;

    public BatchIssue(Pki pki, DeviceRegistry registry, AuditLog audit) {
        this.pki = pki;
        this.registry = registry;
        this.audit = audit;
    }

    /** IDs are {@code prefix} + a zero-padded number from {@code start}: ACME-000001, ACME-000002, ... */
    public static List<String> ids(String prefix, int start, int count) {
        int width = Math.max(6, Integer.toString(start + count - 1).length());
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + String.format("%0" + width + "d", start + i);
            DeviceId.require(id);
            ids.add(id);
        }
        return ids;
    }

    public Result issue(String prefix, int start, int count, String model, Path dir, Duration validity, String actor,
                        IntConsumer progress) {
        long t0 = System.nanoTime();
        List<String> ids = ids(prefix, start, count);
        for (String id : ids) {
            if (registry.find(id).isPresent()) {
                throw new DeviceRegistry.DuplicateDeviceException(id);
            }
        }
        CertificateIssuer issuer = pki.deviceIssuer();
        List<X509Certificate> certs = new ArrayList<>(java.util.Collections.nCopies(count, null));
        List<KeyPair> keys = new ArrayList<>(java.util.Collections.nCopies(count, null));
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        IntStream.range(0, count).parallel().forEach(i -> {
            KeyPair k = Certificates.newEcKeyPair();
            keys.set(i, k);
            certs.set(i, issuer.issue(ids.get(i), k.getPublic(), validity, CertificateIssuer.Profile.CLIENT, List.of()));
            int n = done.incrementAndGet();
            synchronized (progress) {
                progress.accept(n);
            }
        });
        List<DeviceRegistry.Registration> regs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            regs.add(new DeviceRegistry.Registration(ids.get(i), certs.get(i), model));
        }
        registry.registerAll(regs);
        StringBuilder manifest = new StringBuilder("device_id,model,certificate_sha256\n");
        try {
            Files.createDirectories(dir.toAbsolutePath());
            for (int i = 0; i < count; i++) {
                String password = SecretFiles.newPassword();
                List<X509Certificate> chain = List.of(certs.get(i), pki.deviceCa());
                KeyStores.writeKeyStore(dir.resolve(ids.get(i) + ".p12"), password.toCharArray(), keys.get(i).getPrivate(), chain);
                SecretFiles.writeOwnerOnly(dir.resolve(ids.get(i) + ".p12.password"),
                        (password + "\n").getBytes(StandardCharsets.US_ASCII));
                manifest.append(ids.get(i)).append(',').append(model == null ? "" : model).append(',')
                        .append(Certificates.fingerprint(certs.get(i))).append('\n');
            }
            Pem.writeCertificates(dir.resolve("ca.pem"), List.of(pki.rootCa()));
            Files.writeString(dir.resolve("manifest.csv"), manifest, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new io.deviceguard.config.ConfigException("the devices are registered, but their bundles could not all be"
                    + " written to " + dir + ": " + e.getMessage() + " (revoke them and issue again)", e);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        audit.recordAndWait(AuditEvent.of(AuditCategory.PROVISIONING, "issue-batch").actor(AuditEvent.ActorType.USER, actor)
                .target(ids.get(0) + ".." + ids.get(count - 1)).detail("count", count).detail("keyOrigin", "factory-host")
                .detail("model", model == null ? "" : model).detail("millis", millis).build());
        return new Result(ids, dir, millis);
    }
}
