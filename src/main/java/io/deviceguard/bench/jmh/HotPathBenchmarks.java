package io.deviceguard.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.deviceguard.audit.AuditRecord;
import io.deviceguard.crypto.CryptoProviders;
import io.deviceguard.integrity.ReplayGuard;
import io.deviceguard.integrity.SchemaCatalog;
import io.deviceguard.sdk.Envelope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-message hot path of the integrity pipeline, step by step, next to the raw JCA ECDSA P-256 verify rate of
 * the providers on this machine. Run with {@code ./deviceguard bench verify}; operations per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class HotPathBenchmarks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private byte[] data;
    private byte[] signature;
    private ECPublicKey publicKey;
    private String jws;
    private ECDSAVerifier verifier;
    private KeyPair ed25519;
    private byte[] ed25519Signature;
    private java.security.PublicKey ed25519PublicBc;
    private String jwsEd25519;
    private io.deviceguard.integrity.JcaEd25519Verifier ed25519Verifier;
    private com.nimbusds.jose.crypto.Ed25519Verifier ed25519VerifierTink;
    private JsonNode payload;
    private SchemaCatalog schemas;
    private HikariDataSource replayDb;
    private ReplayGuard replay;
    private Path dir;
    private final AtomicLong msg = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        CryptoProviders.install();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair k = g.generateKeyPair();
        publicKey = (ECPublicKey) k.getPublic();
        String body = Envelope.payload("dev-1", "telemetry", "msg-00000001", System.currentTimeMillis(),
                Map.of("temperature", 21.5, "heartRate", 72)).toString();
        data = body.getBytes(StandardCharsets.UTF_8);
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(k.getPrivate());
        s.update(data);
        signature = s.sign();
        jws = Envelope.sign(k.getPrivate(), "dev-1", body);
        verifier = new ECDSAVerifier(publicKey);
        // Ed25519, the other algorithm the signature step accepts (EdDSA): a JCA key pair for the raw rates, and a
        // JWS signed and verified the way the pipeline verifies an EdDSA device (nimbus)
        ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Signature es = Signature.getInstance("Ed25519");
        es.initSign(ed25519.getPrivate());
        es.update(data);
        ed25519Signature = es.sign();
        if (java.security.Security.getProvider("BC") == null) {
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
        ed25519PublicBc = java.security.KeyFactory.getInstance("Ed25519", "BC")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(ed25519.getPublic().getEncoded()));
        com.nimbusds.jose.jwk.OctetKeyPair okp = new com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator(
                com.nimbusds.jose.jwk.Curve.Ed25519).generate();
        JWSObject ed = new JWSObject(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.EdDSA).keyID("dev-1").build(),
                new com.nimbusds.jose.Payload(body));
        ed.sign(new com.nimbusds.jose.crypto.Ed25519Signer(okp));
        jwsEd25519 = ed.serialize();
        ed25519VerifierTink = new com.nimbusds.jose.crypto.Ed25519Verifier(okp.toPublicJWK());
        byte[] x = okp.getX().decode();
        byte[] spki = java.util.HexFormat.of().parseHex("302a300506032b6570032100" + java.util.HexFormat.of().formatHex(x));
        ed25519Verifier = new io.deviceguard.integrity.JcaEd25519Verifier(java.security.KeyFactory.getInstance("Ed25519")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(spki)));
        payload = JSON.readTree(body);
        dir = Files.createTempDirectory("deviceguard-jmh");
        schemas = new SchemaCatalog(dir.resolve("schemas"));
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl("jdbc:h2:file:" + dir.resolve("replay") + ";DB_CLOSE_ON_EXIT=FALSE");
        hc.setMaximumPoolSize(4);
        replayDb = new HikariDataSource(hc);
        try (Connection c = replayDb.getConnection(); Statement st = c.createStatement()) {
            st.execute("create table seen_messages (device_id varchar(64) not null, msg_id varchar(64) not null,"
                    + " seen_at timestamp(3) with time zone not null, digest char(64) not null, handled boolean not null,"
                    + " ingress_id varchar(64), primary key (device_id, msg_id))");
        }
        replay = new ReplayGuard(replayDb);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        replayDb.close();
        try (var w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Raw JCA verify with the first provider (ACCP when it loads, else SunEC). */
    @Benchmark
    public boolean jcaVerifyDefault() throws Exception {
        return verify(Signature.getInstance("SHA256withECDSA"), publicKey, signature);
    }

    /** Raw JCA verify with the JDK's SunEC (the default without ACCP). */
    @Benchmark
    public boolean jcaVerifySunEC() throws Exception {
        return verify(Signature.getInstance("SHA256withECDSA", "SunEC"), publicKey, signature);
    }

    /** Raw JCA verify with Bouncy Castle. */
    @Benchmark
    public boolean jcaVerifyBouncyCastle() throws Exception {
        return verify(Signature.getInstance("SHA256withECDSA", "BC"), publicKey, signature);
    }

    /** What the signature step does: parse the compact JWS and verify ES256 (nimbus, through JCA). */
    @Benchmark
    public boolean jwsVerify() throws Exception {
        return JWSObject.parse(jws).verify(verifier);
    }

    /** Raw JCA Ed25519 verify with the first provider that has it (ACCP when it loads, else SunEC). */
    @Benchmark
    public boolean jcaVerifyEd25519Default() throws Exception {
        return verify(Signature.getInstance("Ed25519"), ed25519.getPublic(), ed25519Signature);
    }

    /** Raw JCA Ed25519 verify with Bouncy Castle (the candidate lever against SunEC's ECDSA). */
    @Benchmark
    public boolean jcaVerifyEd25519BouncyCastle() throws Exception {
        return verify(Signature.getInstance("Ed25519", "BC"), ed25519PublicBc, ed25519Signature);
    }

    /** One raw verify of the message's bytes, as each provider's benchmark makes it. */
    private boolean verify(Signature v, java.security.PublicKey key, byte[] sig) throws Exception {
        v.initVerify(key);
        v.update(data);
        return v.verify(sig);
    }

    /** The signature step for an EdDSA device: parse the compact JWS and verify Ed25519 through the JCA (ACCP first). */
    @Benchmark
    public boolean jwsVerifyEd25519() throws Exception {
        return JWSObject.parse(jwsEd25519).verify(ed25519Verifier);
    }

    /** The same with nimbus's own Ed25519 verifier (Tink's Ed25519 in Java), which the step used before. */
    @Benchmark
    public boolean jwsVerifyEd25519Tink() throws Exception {
        return JWSObject.parse(jwsEd25519).verify(ed25519VerifierTink);
    }

    /** The schema step: JSON Schema 2020-12 validation of a telemetry payload (cached schema). */
    @Benchmark
    public JsonNode schemaCheck() {
        schemas.validate(null, "telemetry", payload);
        return payload;
    }

    /** The replay step: one claim of a new msgId in the H2 file database (insert, commit). */
    @Benchmark
    public ReplayGuard.Claim replayCheck() {
        long n = msg.incrementAndGet();
        return replay.claim("dev-" + (n % 200), "m-" + n, "0".repeat(64), null, Instant.now());
    }

    /** The audit step's CPU part: the SHA-256 chain hash of one row. */
    @Benchmark
    public String auditHash() {
        return AuditRecord.hash(msg.incrementAndGet(), Instant.now(), "message", "device", "dev-1", "telemetry",
                "devices/dev-1/telemetry", "success", "{\"bytes\":312,\"qos\":1,\"msgId\":\"m-1\"}", AuditRecord.GENESIS);
    }
}
