package io.deviceguard.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import io.deviceguard.crypto.CryptoProviders;
import io.deviceguard.device.Device;
import io.deviceguard.device.DeviceStatus;
import io.deviceguard.pki.Pem;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The EdDSA signature step's verifier (JCA, ACCP first) against JWS signed by an independent implementation (nimbus's
 * signer on Tink): what verifies there verifies here, and every tampering, foreign key, malformed signature, wrong alg
 * or critical header is refused as nimbus's own verifier refuses it.
 */
class JcaEd25519VerifierTest {

    /** The X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410); the raw 32-byte key follows. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    @BeforeAll
    static void providers() {
        CryptoProviders.install();
    }

    @Test
    void aJwsSignedByAnIndependentImplementationVerifies() throws Exception {
        OctetKeyPair device = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        JWSObject jws = signed(device, "{\"deviceId\":\"pump-1\",\"ts\":1}");
        JWSObject parsed = JWSObject.parse(jws.serialize());
        assertThat(parsed.verify(new JcaEd25519Verifier(publicKey(device)))).isTrue();
        assertThat(parsed.verify(new Ed25519Verifier(device.toPublicJWK()))).as("nimbus's own verifier agrees").isTrue();
    }

    @Test
    void aTamperedPayloadAnotherKeysSignatureAndAMalformedSignatureAreRefused() throws Exception {
        OctetKeyPair device = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        OctetKeyPair other = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        JcaEd25519Verifier verifier = new JcaEd25519Verifier(publicKey(device));
        String[] parts = signed(device, "{\"dose\":1}").serialize().split("\\.");

        String tampered = parts[0] + "." + Base64URL.encode("{\"dose\":9}") + "." + parts[2];
        assertThat(JWSObject.parse(tampered).verify(verifier)).as("tampered payload").isFalse();

        String[] foreign = signed(other, "{\"dose\":1}").serialize().split("\\.");
        assertThat(JWSObject.parse(parts[0] + "." + parts[1] + "." + foreign[2]).verify(verifier)).as("another key's signature").isFalse();

        byte[] sig = new Base64URL(parts[2]).decode();
        String truncated = parts[0] + "." + parts[1] + "." + Base64URL.encode(Arrays.copyOf(sig, 63));
        assertThat(JWSObject.parse(truncated).verify(verifier)).as("a 63-byte signature").isFalse();
        String empty = parts[0] + "." + parts[1] + ".AA";
        assertThat(JWSObject.parse(empty).verify(verifier)).as("a 1-byte signature").isFalse();
        byte[] flipped = sig.clone();
        flipped[63] ^= 0x10;
        assertThat(JWSObject.parse(parts[0] + "." + parts[1] + "." + Base64URL.encode(flipped)).verify(verifier))
                .as("a signature with one bit changed").isFalse();
    }

    @Test
    void onlyAlgEdDsaWithoutCriticalHeadersIsVerified() throws Exception {
        OctetKeyPair device = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        JcaEd25519Verifier verifier = new JcaEd25519Verifier(publicKey(device));
        JWSObject es256 = JWSObject.parse(signed(device, "{}").serialize());
        JWSHeader wrongAlg = new JWSHeader.Builder(JWSAlgorithm.ES256).build();
        assertThatThrownBy(() -> verifier.verify(wrongAlg, es256.getSigningInput(), es256.getSignature()))
                .isInstanceOf(JOSEException.class).hasMessageContaining("EdDSA only");

        JWSObject critical = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.EdDSA).criticalParams(Set.of("exp"))
                .customParam("exp", 1).build(), new Payload("{}"));
        critical.sign(new Ed25519Signer(device));
        assertThat(JWSObject.parse(critical.serialize()).verify(verifier)).as("a critical header nobody understands").isFalse();
    }

    @Test
    void keysOtherThanEd25519AreRefused() throws Exception {
        for (String alg : new String[] {"Ed448", "EC"}) {
            PublicKey key = KeyPairGenerator.getInstance(alg).generateKeyPair().getPublic();
            assertThatThrownBy(() -> new JcaEd25519Verifier(key)).as(alg).isInstanceOf(JOSEException.class)
                    .hasMessageContaining("not an Ed25519 public key");
        }
    }

    @Test
    void anEd25519DeviceCertificateGivesAnEdDsaKeyAndAnEd448OneNone() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        DeviceKeys keys = new DeviceKeys();
        DeviceKeys.Key key = keys.forDevice(device("pump-ed", selfSigned(ed, "Ed25519")));
        assertThat(key.algorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(key.verifier()).isInstanceOf(JcaEd25519Verifier.class);

        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(ed.getPrivate());
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("pump-ed").build();
        Payload payload = new Payload("{\"deviceId\":\"pump-ed\"}");
        byte[] input = (header.toBase64URL() + "." + payload.toBase64URL()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        s.update(input);
        assertThat(key.verifier().verify(header, input, Base64URL.encode(s.sign()))).as("signed with the certificate's key").isTrue();

        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        Device d448 = device("pump-448", selfSigned(ed448, "Ed448"));
        assertThatThrownBy(() -> keys.forDevice(d448)).isInstanceOf(IntegrityViolation.class)
                .satisfies(e -> assertThat(((IntegrityViolation) e).reason()).isEqualTo(Reason.NO_REGISTERED_KEY));
    }

    private static JWSObject signed(OctetKeyPair key, String payload) throws JOSEException {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("pump-1").build(), new Payload(payload));
        jws.sign(new Ed25519Signer(key));
        return jws;
    }

    private static PublicKey publicKey(OctetKeyPair okp) throws Exception {
        byte[] x = okp.getX().decode();
        byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + x.length);
        System.arraycopy(x, 0, spki, SPKI_PREFIX.length, x.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    private static String selfSigned(KeyPair keys, String alg) throws Exception {
        X500Name name = new X500Name("CN=test-device");
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), name, keys.getPublic())
                .build(new JcaContentSignerBuilder(alg).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                        .build(keys.getPrivate())));
        return Pem.encode(cert);
    }

    private static Device device(String id, String pem) {
        return new Device(id, DeviceStatus.ACTIVE, "fp-" + id, "1", Instant.now().plusSeconds(3600), Instant.now(), null, pem);
    }
}
