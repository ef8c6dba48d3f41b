package io.deviceguard.pki;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;

/** Only keys the broker's TLS engine can accept in a handshake are certified. */
class DeviceKeyPolicyTest {

    @Test
    void anEd25519KeyIsRefusedOnOpenSslWithItsOwnCodeAndCertifiedOnTheJdkEngine() throws Exception {
        for (PublicKey ed : new PublicKey[] {KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic(),
                KeyPairGenerator.getInstance("Ed25519", Certificates.bouncyCastle()).generateKeyPair().getPublic()}) {
            assertThatThrownBy(() -> new DeviceKeyPolicy("OPENSSL").require(ed)).isInstanceOf(Csrs.Refused.class)
                    .hasMessageContaining("deviceguard.tls.provider=JDK")
                    .extracting(e -> ((Csrs.Refused) e).code()).isEqualTo(DeviceKeyPolicy.NOT_ACCEPTED);
            assertThatCode(() -> new DeviceKeyPolicy("JDK").require(ed)).doesNotThrowAnyException();
        }
    }

    @Test
    void ecAndRsaKeysAreCertifiedOnEitherEngine() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        for (PublicKey k : new PublicKey[] {Certificates.newEcKeyPair().getPublic(), rsa.generateKeyPair().getPublic()}) {
            for (String engine : new String[] {"OPENSSL", "JDK"}) {
                assertThatCode(() -> new DeviceKeyPolicy(engine).require(k)).as(engine).doesNotThrowAnyException();
            }
        }
    }
}
