package io.deviceguard.pki;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A TLS client's key manager holding one private key and its certificate chain as they are in memory, offered to
 * every server whatever CAs it asks for. No key store is built on the way: a PKCS#12 store protects its key with
 * 10,000 rounds of PBKDF2 going in and again coming out, about 30 ms per key, which a load generator with 10,000
 * device keys has no use for. Tests use it to present a certificate the server does not trust, as an attacker's
 * client would (the JDK's key manager sends none then).
 */
public final class FixedKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "key";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    public FixedKeyManager(PrivateKey key, List<X509Certificate> chain) {
        this.key = standard(key);
        this.chain = chain.toArray(new X509Certificate[0]);
    }

    /**
     * The key under its standard JCA name. A key read through Bouncy Castle calls itself "ECDSA"; the JDK's TLS
     * looks for an "EC" key and would send no certificate at all.
     */
    private static PrivateKey standard(PrivateKey key) {
        if (!"ECDSA".equals(key.getAlgorithm())) {
            return key;
        }
        try {
            return java.security.KeyFactory.getInstance("EC").generatePrivate(
                    new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the EC key: " + e.getMessage(), e);
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
