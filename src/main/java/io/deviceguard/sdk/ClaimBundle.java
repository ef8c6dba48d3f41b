package io.deviceguard.sdk;

import io.deviceguard.pki.Pem;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Properties;

/**
 * What {@code enrollment create} writes for a device without a factory key: {@code enrollment.properties}
 * (enrollmentId, deviceId, expiresAt), {@code claim.key}, {@code claim.pem} (claim certificate and device CA) and
 * {@code ca.pem} (the CA that signs the server).
 */
public record ClaimBundle(String enrollmentId, String deviceId, PrivateKey claimKey, List<X509Certificate> claimChain,
                          X509Certificate serverCa) {

    public static final String PROPERTIES = "enrollment.properties";
    public static final String KEY = "claim.key";
    public static final String CHAIN = "claim.pem";
    public static final String CA = "ca.pem";

    public static ClaimBundle load(Path dir) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(PROPERTIES), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + dir.resolve(PROPERTIES) + ": " + e.getMessage(), e);
        }
        return new ClaimBundle(p.getProperty("enrollmentId"), p.getProperty("deviceId"),
                Pem.readPrivateKey(dir.resolve(KEY)), Pem.readCertificates(dir.resolve(CHAIN)),
                Pem.readCertificate(dir.resolve(CA)));
    }

    /** The MQTT client ID (and certificate CN) of the claim: {@code claim:ENROLLMENT_ID}. */
    public String clientId() {
        return "claim:" + enrollmentId;
    }

    /** The claim as a TLS identity (its "ID" is the claim's client ID). */
    public DeviceIdentity asIdentity() {
        return new DeviceIdentity(clientId(), claimKey, claimChain, serverCa);
    }
}
