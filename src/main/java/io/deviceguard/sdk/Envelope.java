package io.deviceguard.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Map;
import java.util.UUID;

/**
 * The signed envelope a device publishes: a compact JWS (ES256, {@code kid} = device ID) over
 * {@code {"deviceId","type","msgId","ts","data"}}. {@code ts} is epoch milliseconds; {@code msgId} is unique per
 * device (a UUID by default).
 */
public final class Envelope {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Envelope() {
    }

    /** The unsigned payload; tests build variants of it. */
    public static ObjectNode payload(String deviceId, String type, String msgId, long ts, Map<String, ?> data) {
        ObjectNode n = JSON.createObjectNode();
        n.put("deviceId", deviceId);
        n.put("type", type);
        n.put("msgId", msgId);
        n.put("ts", ts);
        n.set("data", JSON.valueToTree(data));
        return n;
    }

    public static String sign(DeviceIdentity device, String type, Map<String, ?> data) {
        return sign(device.key(), device.id(), payload(device.id(), type, UUID.randomUUID().toString(),
                System.currentTimeMillis(), data).toString());
    }

    /** Signs any payload text with {@code key}, naming {@code kid} in the header. */
    public static String sign(PrivateKey key, String kid, String payload) {
        try {
            JWSSigner signer;
            JWSAlgorithm alg;
            if (key instanceof ECPrivateKey ec) {
                signer = new ECDSASigner(ec);
                alg = JWSAlgorithm.ES256;
            } else {
                throw new IllegalArgumentException("unsupported device key " + key.getAlgorithm());
            }
            JWSObject jws = new JWSObject(new JWSHeader.Builder(alg).keyID(kid).build(), new Payload(payload));
            jws.sign(signer);
            return jws.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }
}
