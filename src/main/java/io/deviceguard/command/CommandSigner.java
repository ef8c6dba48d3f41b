package io.deviceguard.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.io.IOException;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;

/**
 * Signs a command for one device with the platform's command key (ES256, {@code kid} {@value #KEY_ID}): a compact
 * JWS over {@code {commandId, deviceId, type, params, iat, exp}} (times in epoch seconds). The device checks the
 * signature against the command-signing certificate of its bundle, that {@code deviceId} is its own, that {@code exp}
 * has not passed and that it has not seen {@code commandId} before.
 */
public final class CommandSigner {

    public static final String KEY_ID = "deviceguard-commands";
    public static final JOSEObjectType TYPE = new JOSEObjectType("deviceguard-command+jws");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ECDSASigner signer;

    public CommandSigner(java.security.PrivateKey key) {
        try {
            this.signer = new ECDSASigner((ECPrivateKey) key);
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalStateException("the command signing key is not an EC P-256 key", e);
        }
    }

    public String sign(String commandId, String deviceId, String type, String paramsJson, Instant iat, Instant exp) {
        try {
            ObjectNode n = JSON.createObjectNode();
            n.put("commandId", commandId);
            n.put("deviceId", deviceId);
            n.put("type", type);
            n.set("params", JSON.readTree(paramsJson));
            n.put("iat", iat.getEpochSecond());
            n.put("exp", exp.getEpochSecond());
            JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(KEY_ID).type(TYPE).build(),
                    new Payload(n.toString()));
            jws.sign(signer);
            return jws.serialize();
        } catch (JOSEException | IOException e) {
            throw new IllegalStateException("cannot sign command " + commandId + ": " + e.getMessage(), e);
        }
    }
}
