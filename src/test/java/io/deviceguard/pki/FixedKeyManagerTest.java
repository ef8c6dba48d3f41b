package io.deviceguard.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

class FixedKeyManagerTest {

    @Test
    void aBouncyCastleKeyIsOfferedUnderTheNameTheJdksTlsLooksFor() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        PrivateKey jdk = g.generateKeyPair().getPrivate();
        PrivateKey bc = KeyFactory.getInstance("ECDSA", new BouncyCastleProvider())
                .generatePrivate(new PKCS8EncodedKeySpec(jdk.getEncoded()));
        assertThat(bc.getAlgorithm()).as("what Pem.readPrivateKey hands over").isEqualTo("ECDSA");

        FixedKeyManager km = new FixedKeyManager(bc, List.of());
        String alias = km.chooseEngineClientAlias(new String[] {"EC"}, null, null);
        assertThat(alias).isNotNull();
        assertThat(km.chooseClientAlias(new String[] {"RSA"}, null, null)).as("offered whatever is asked").isEqualTo(alias);
        assertThat(km.getPrivateKey(alias).getAlgorithm()).isEqualTo("EC");
        assertThat(((java.security.interfaces.ECPrivateKey) km.getPrivateKey(alias)).getS())
                .as("the same key").isEqualTo(((java.security.interfaces.ECPrivateKey) jdk).getS());
        assertThat(km.getPrivateKey("other")).isNull();
        assertThat(km.getCertificateChain("other")).isNull();
        assertThat(km.chooseServerAlias("EC", null, null)).as("a client's key only").isNull();
    }
}
