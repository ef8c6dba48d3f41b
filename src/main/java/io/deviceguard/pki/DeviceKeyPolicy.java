package io.deviceguard.pki;

import java.security.PublicKey;

/**
 * Which device keys this deployment certifies, beyond {@link Csrs#requireStrongKey}: only keys its broker can accept in
 * a mutual-TLS handshake. BoringSSL (the broker's default TLS engine, {@code deviceguard.tls.provider=OPENSSL}) does not
 * list ed25519 among the signature algorithms it accepts for a client certificate, and netty has no setting for it: a
 * device certified with an Ed25519 key could never connect, and its refused handshakes would read as "no client
 * certificate". So such a key is refused when it is to be certified, with its own code; the JDK's engine accepts it.
 */
public record DeviceKeyPolicy(String brokerTlsEngine) {

    /** The refusal code of a key the broker's TLS engine cannot accept. */
    public static final String NOT_ACCEPTED = "key_not_accepted_by_broker";

    /** Refuses {@code key} ({@link Csrs.Refused}, {@link #NOT_ACCEPTED}) when the broker could not accept it. */
    public void require(PublicKey key) {
        if ("OPENSSL".equals(brokerTlsEngine) && Csrs.isEd25519(key)) {
            throw new Csrs.Refused(NOT_ACCEPTED, "an Ed25519 key cannot connect: the broker's TLS engine (OpenSSL) accepts no"
                    + " Ed25519 client certificate; use an EC P-256 key, or run the broker on the JDK's engine"
                    + " (deviceguard.tls.provider=JDK)");
        }
    }
}
