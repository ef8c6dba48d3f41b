package io.deviceguard.sdk;

import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * The device side of field association, for device makers to follow: connect with the claim bundle, make a key pair
 * on the device (EC P-256; the private key never leaves it), send a CSR for the enrolled device ID on
 * {@code provisioning/{enrollmentId}/csr}, wait for the chain on {@code provisioning/{enrollmentId}/certificate},
 * and from then on connect as the device. The claim is spent by the first CSR, whatever the answer.
 */
public final class FieldProvisioning {

    private FieldProvisioning() {
    }

    /** The platform refused the CSR; {@code code} is its reason ({@code cn_mismatch}, {@code claim_used}, ...). */
    public static final class Refused extends RuntimeException {
        private final String code;

        public Refused(String code, String message) {
            super(code + ": " + message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Runs the whole flow and returns the device's new identity. */
    public static DeviceIdentity enroll(ClaimBundle claim, String host, int port, Duration timeout) throws MqttException {
        KeyPair keys = Certificates.newEcKeyPair();
        String reply = request(claim, host, port, Csr.create(keys, claim.deviceId()), timeout);
        List<X509Certificate> chain = chain(reply);
        return new DeviceIdentity(claim.deviceId(), keys.getPrivate(), chain, claim.serverCa());
    }

    /**
     * Sends {@code csrPem} over the claim's own connection and returns the platform's reply text (a PEM chain or
     * "error: code: message"): the building block of {@link #enroll}, and what a test uses to send a bad CSR.
     */
    public static String request(ClaimBundle claim, String host, int port, String csrPem, Duration timeout) throws MqttException {
        try (ReplyChannel c = ReplyChannel.open(claim.asIdentity(), host, port,
                "provisioning/" + claim.enrollmentId() + "/certificate")) {
            return c.ask("provisioning/" + claim.enrollmentId() + "/csr", csrPem, timeout);
        }
    }

    /** The chain of a reply, or {@link Refused} for an "error: code: message" reply. */
    public static List<X509Certificate> chain(String reply) {
        if (reply.startsWith("error: ")) {
            String rest = reply.substring("error: ".length());
            int colon = rest.indexOf(": ");
            throw colon < 0 ? new Refused(rest, rest) : new Refused(rest.substring(0, colon), rest.substring(colon + 2));
        }
        return Pem.parseCertificates(reply);
    }

    /** Writes the identity as {@code device create} writes a device: {@code ID.key}, {@code ID.pem}, {@code ca.pem}. */
    public static void write(DeviceIdentity id, Path dir) {
        Pem.writePrivateKey(dir.resolve(id.id() + ".key"), id.key());
        Pem.writeCertificates(dir.resolve(id.id() + ".pem"), id.chain());
        Pem.writeCertificates(dir.resolve("ca.pem"), List.of(id.serverCa()));
    }
}
