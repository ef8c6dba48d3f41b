package io.deviceguard.device;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.CertificateIssuer;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Csrs;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Manufacturing import: devices whose keys were made in the factory, as CSRs (signed here by the device CA; the key
 * never leaves the device) or as certificates the device CA already signed. All or nothing: every row is checked
 * first and any bad row (with its line and reason) registers nothing. Rows already registered exactly so (same
 * certificate, or for a CSR the same public key) are "unchanged", which makes re-running a manifest idempotent.
 */
public final class DeviceImport {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DeviceImport.class);

    /** A bad row: its line, the device ID it named (if any), a stable code and a message. */
    public record RowError(int line, String deviceId, String code, String message) {
    }

    /** The import refused, with every bad row. */
    public static final class Rejected extends RuntimeException {
        private final List<RowError> errors;

        public Rejected(List<RowError> errors) {
            super(errors.size() + " bad row(s); first: line " + errors.get(0).line() + ": " + errors.get(0).message());
            this.errors = List.copyOf(errors);
        }

        public List<RowError> errors() {
            return errors;
        }
    }

    /** A device of the manifest after the import: its certificate chain (leaf, device CA). */
    public record Imported(int line, String deviceId, boolean created, String fingerprint, String chainPem) {
    }

    public record Result(List<Imported> devices, int created, int unchanged, long millis) {
    }

    private record Checked(Manifest.Row row, PublicKey csrKey, X509Certificate cert, Device existing) {
    }

    private final Pki pki;
    private final DeviceRegistry registry;
    private final CertificateStore certificates;
    private final AuditLog audit;
    private final io.deviceguard.pki.DeviceKeyPolicy keys;

    public DeviceImport(Pki pki, DeviceRegistry registry, CertificateStore certificates, AuditLog audit,
                        io.deviceguard.pki.DeviceKeyPolicy keys) {
        this.keys = keys;
        this.pki = pki;
        this.registry = registry;
        this.certificates = certificates;
        this.audit = audit;
    }

    public Result run(List<Manifest.Row> rows, Duration validity, String actor, Map<String, Object> auditDetails) {
        long t0 = System.nanoTime();
        Instant now = Instant.now();
        List<RowError> errors = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (Manifest.Row r : rows) {
            Integer prev = firstLine.putIfAbsent(r.deviceId(), r.line());
            if (prev != null) {
                errors.add(new RowError(r.line(), r.deviceId(), "duplicate", "device ID " + printable(r.deviceId())
                        + " is already on line " + prev));
            }
        }
        boolean distrusted = certificates.distrusted(Certificates.fingerprint(pki.deviceCa()));
        Map<String, Device> registered = registry.findAll(firstLine.keySet());
        List<Object> checked = rows.parallelStream().map(r -> {
            try {
                return (Object) check(r, now, distrusted, Optional.ofNullable(registered.get(r.deviceId())));
            } catch (Csrs.Refused e) {
                return new RowError(r.line(), printable(r.deviceId()), e.code(), e.getMessage());
            }
        }).toList();
        List<Checked> good = new ArrayList<>();
        for (Object o : checked) {
            if (o instanceof RowError e) {
                errors.add(e);
            } else {
                good.add((Checked) o);
            }
        }
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparingInt(RowError::line));
            throw new Rejected(errors);
        }
        long checkedAt = System.nanoTime();
        CertificateIssuer issuer = pki.deviceIssuer();
        List<Imported> out = new ArrayList<>(good.size());
        List<DeviceRegistry.Registration> toRegister = new ArrayList<>();
        String caPem = Pem.encode(pki.deviceCa());
        List<X509Certificate> issued = good.parallelStream().map(c -> c.existing() != null ? null
                : c.cert() != null ? c.cert()
                : issuer.issue(c.row().deviceId(), c.csrKey(), validity, CertificateIssuer.Profile.CLIENT, List.of())).toList();
        for (int i = 0; i < good.size(); i++) {
            Checked c = good.get(i);
            if (c.existing() != null) {
                out.add(new Imported(c.row().line(), c.row().deviceId(), false, c.existing().certFingerprint(),
                        c.existing().certificatePem() + caPem));
            } else {
                X509Certificate cert = issued.get(i);
                toRegister.add(new DeviceRegistry.Registration(c.row().deviceId(), cert,
                        c.row().model().isEmpty() ? null : c.row().model()));
                out.add(new Imported(c.row().line(), c.row().deviceId(), true, Certificates.fingerprint(cert),
                        Pem.encode(cert) + caPem));
            }
        }
        long issuedAt = System.nanoTime();
        try {
            registry.registerAll(toRegister);
        } catch (DeviceRegistry.DuplicateDeviceException e) {
            throw new Rejected(List.of(new RowError(0, null, "duplicate",
                    "a device of the manifest was registered by someone else during the import; nothing was imported")));
        }
        long registeredAt = System.nanoTime();
        for (Imported d : out) {
            if (d.created()) {
                audit.record(AuditEvent.of(AuditCategory.PROVISIONING, "import-device").actor(AuditEvent.ActorType.USER, actor)
                        .target(d.deviceId()).detail("fingerprint", d.fingerprint()).detail("line", d.line())
                        .detail("keyOrigin", "factory").build());
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("import of {} rows: checked in {} ms, issued in {} ms, registered in {} ms, audited in {} ms", rows.size(),
                (checkedAt - t0) / 1_000_000, (issuedAt - checkedAt) / 1_000_000, (registeredAt - issuedAt) / 1_000_000,
                (System.nanoTime() - registeredAt) / 1_000_000);
        AuditEvent.Builder summary = AuditEvent.of(AuditCategory.PROVISIONING, "import").actor(AuditEvent.ActorType.USER, actor)
                .target("manifest").detail("rows", rows.size()).detail("created", toRegister.size())
                .detail("unchanged", rows.size() - toRegister.size()).detail("millis", millis);
        auditDetails.forEach(summary::detail);
        audit.recordAndWait(summary.build());
        return new Result(out, toRegister.size(), rows.size() - toRegister.size(), millis);
    }

    /** Audits a refused import (nothing registered) with its first reasons. */
    public void auditRejected(Rejected r, int rows, String actor, Map<String, Object> auditDetails) {
        RowError first = r.errors().get(0);
        AuditEvent.Builder b = AuditEvent.of(AuditCategory.PROVISIONING, "import").actor(AuditEvent.ActorType.USER, actor)
                .denied().target("manifest").detail("rows", rows).detail("badRows", r.errors().size())
                .detail("reason", first.code()).detail("firstBadLine", first.line());
        auditDetails.forEach(b::detail);
        audit.recordAndWait(b.build());
    }

    private Checked check(Manifest.Row r, Instant now, boolean caDistrusted, Optional<Device> existing) {
        String id = r.deviceId();
        if (!DeviceId.isValid(id)) {
            throw new Csrs.Refused("bad_id", "invalid device ID '" + printable(id)
                    + "': 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
        }
        if (r.model().length() > 64 || r.model().chars().anyMatch(Character::isISOControl)) {
            throw new Csrs.Refused("bad_model", "the model must be at most 64 printable characters");
        }
        PublicKey key;
        X509Certificate cert = null;
        if (r.pem().contains("-----BEGIN CERTIFICATE REQUEST-----") || r.pem().contains("-----BEGIN NEW CERTIFICATE REQUEST-----")) {
            Csrs.Checked csr = Csrs.check(r.pem());
            if (!csr.commonName().equals(id)) {
                throw new Csrs.Refused("cn_mismatch", "the CSR's CN '" + printable(csr.commonName())
                        + "' is not the device ID " + id);
            }
            key = csr.publicKey();
        } else if (r.pem().contains("-----BEGIN CERTIFICATE-----")) {
            cert = certificate(r.pem(), id, now, caDistrusted);
            key = cert.getPublicKey();
        } else {
            throw new Csrs.Refused("bad_pem", "the third field is neither a PEM CSR nor a PEM certificate");
        }
        if (existing.isPresent()) {
            Device d = existing.get();
            boolean same = cert != null ? d.certFingerprint().equals(Certificates.fingerprint(cert))
                    : d.certificatePem() != null && java.util.Arrays.equals(
                    Pem.parseCertificates(d.certificatePem()).get(0).getPublicKey().getEncoded(), key.getEncoded());
            if (!same || !java.util.Objects.equals(d.model(), r.model().isEmpty() ? null : r.model())) {
                throw new Csrs.Refused("duplicate", "device " + id + " is already registered with another "
                        + (same ? "model" : cert != null ? "certificate" : "key"));
            }
            return new Checked(r, key, cert, d);
        }
        // a new device only: one registered already (unchanged) gets no new certificate
        keys.require(key);
        if (cert != null && certificates.find(Certificates.fingerprint(cert)).isPresent()) {
            throw new Csrs.Refused("duplicate", "this certificate is already registered for another device");
        }
        return new Checked(r, key, cert, null);
    }

    private X509Certificate certificate(String pem, String id, Instant now, boolean caDistrusted) {
        List<X509Certificate> chain;
        try {
            chain = Pem.parseCertificates(pem);
        } catch (RuntimeException e) {
            throw new Csrs.Refused("bad_pem", "the certificate cannot be read");
        }
        if (chain.isEmpty()) {
            throw new Csrs.Refused("bad_pem", "the certificate cannot be read");
        }
        X509Certificate cert = chain.get(0);
        X509Certificate ca = pki.deviceCa();
        try {
            if (!cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
                throw new GeneralSecurityException("issuer");
            }
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new Csrs.Refused("untrusted_issuer", "the certificate does not chain to the device CA");
        }
        if (caDistrusted) {
            throw new Csrs.Refused("ca_distrusted", "the device CA that issued the certificate is distrusted");
        }
        if (now.isAfter(cert.getNotAfter().toInstant())) {
            throw new Csrs.Refused("expired_certificate", "the certificate expired on " + cert.getNotAfter().toInstant());
        }
        if (now.isBefore(cert.getNotBefore().toInstant())) {
            throw new Csrs.Refused("not_yet_valid", "the certificate is valid only from " + cert.getNotBefore().toInstant());
        }
        Csrs.requireStrongKey(cert);
        String cn = Certificates.commonName(cert).orElse("");
        if (!cn.equals(id)) {
            throw new Csrs.Refused("cn_mismatch", "the certificate's CN '" + printable(cn) + "' is not the device ID " + id);
        }
        return cert;
    }

    private static String printable(String s) {
        return DeviceId.printable(s);
    }
}
