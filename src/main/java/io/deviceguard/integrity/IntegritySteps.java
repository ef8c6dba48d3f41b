package io.deviceguard.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.util.Base64URL;
import io.deviceguard.device.Device;
import io.deviceguard.routes.DeviceHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The five integrity checks of DESIGN.md, one method per route step, in order. Each throws
 * {@link IntegrityViolation} with its reason; only a message that passes all five goes on.
 */
public final class IntegritySteps {

    private final IntegrityPolicy policy;
    private final DeviceKeys keys;
    private final SchemaCatalog schemas;
    private final ReplayGuard replay;
    private final IntegrityMetrics metrics;
    private final Clock clock;
    private final java.util.function.Function<String, List<io.deviceguard.device.DeviceCertificate>> certificatesOf;

    public IntegritySteps(IntegrityPolicy policy, DeviceKeys keys, SchemaCatalog schemas, ReplayGuard replay,
                          IntegrityMetrics metrics, Clock clock) {
        this(policy, keys, schemas, replay, metrics, clock, id -> List.of());
    }

    /**
     * {@code certificatesOf} lists a device's certificates: during a rotation overlap the device's other ACTIVE
     * certificate verifies its messages too (tried only when the current one does not).
     */
    public IntegritySteps(IntegrityPolicy policy, DeviceKeys keys, SchemaCatalog schemas, ReplayGuard replay,
                          IntegrityMetrics metrics, Clock clock,
                          java.util.function.Function<String, List<io.deviceguard.device.DeviceCertificate>> certificatesOf) {
        this.certificatesOf = certificatesOf;
        this.policy = policy;
        this.keys = keys;
        this.schemas = schemas;
        this.replay = replay;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** 1. size within the limit, valid UTF-8. */
    public void size(Exchange ex) {
        byte[] raw = ex.getMessage().getBody(byte[].class);
        if (raw == null) {
            raw = new byte[0];
        }
        ex.setProperty(DeviceHeaders.RAW, raw);
        if (raw.length > policy.maxMessageBytes()) {
            throw new IntegrityViolation(Reason.TOO_LARGE, raw.length + " bytes, limit " + policy.maxMessageBytes());
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
            ex.setProperty(DeviceHeaders.PAYLOAD_TEXT, text);
        } catch (CharacterCodingException e) {
            throw new IntegrityViolation(Reason.INVALID_UTF8, e.getMessage());
        }
    }

    /** 2. a JWS signed with the device's registered key, whose header names the device. */
    public void signature(Exchange ex) {
        String text = ex.getProperty(DeviceHeaders.PAYLOAD_TEXT, String.class);
        Device device = ex.getProperty(DeviceHeaders.DEVICE, Device.class);
        if (!looksLikeCompactJws(text)) {
            if (policy.signatureRequired()) {
                throw new IntegrityViolation(Reason.NOT_JWS, "expected header.payload.signature");
            }
            return;
        }
        Header header;
        try {
            header = Header.parse(Base64URL.from(text.substring(0, text.indexOf('.'))));
        } catch (ParseException e) {
            throw new IntegrityViolation(Reason.NOT_JWS, "unreadable header: " + e.getMessage());
        }
        if (!(header instanceof JWSHeader jwsHeader)) {
            throw new IntegrityViolation(Reason.ALG_NOT_ALLOWED, "alg " + header.getAlgorithm() + " is not a signature");
        }
        DeviceKeys.Key key = keys.forDevice(device);
        if (!key.algorithm().equals(jwsHeader.getAlgorithm())) {
            throw new IntegrityViolation(Reason.ALG_NOT_ALLOWED, "alg " + jwsHeader.getAlgorithm() + ", this device's key needs "
                    + key.algorithm());
        }
        if (!device.id().equals(jwsHeader.getKeyID())) {
            throw new IntegrityViolation(Reason.KEY_ID_MISMATCH, "kid '" + printable(jwsHeader.getKeyID()) + "'");
        }
        try {
            JWSObject jws = JWSObject.parse(text);
            if (!jws.verify(key.verifier()) && !verifiesWithOverlappingCertificate(jws, device)) {
                throw new IntegrityViolation(Reason.BAD_SIGNATURE, null);
            }
            ex.setProperty(DeviceHeaders.PAYLOAD_TEXT, jws.getPayload().toString());
        } catch (ParseException e) {
            throw new IntegrityViolation(Reason.NOT_JWS, e.getMessage());
        } catch (JOSEException | IllegalStateException e) {
            throw new IntegrityViolation(Reason.BAD_SIGNATURE, e.getMessage());
        }
    }

    private boolean verifiesWithOverlappingCertificate(JWSObject jws, Device device) throws JOSEException {
        for (io.deviceguard.device.DeviceCertificate c : certificatesOf.apply(device.id())) {
            if (c.active() && !c.fingerprint().equals(device.certFingerprint()) && c.certificatePem() != null) {
                DeviceKeys.Key other = keys.forCertificate(c.fingerprint(), c.certificatePem());
                if (other.algorithm().equals(jws.getHeader().getAlgorithm()) && jws.verify(other.verifier())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** 3. the payload is a JSON object matching the schema of the topic's message type (and device model). */
    public void schema(Exchange ex) {
        JsonNode payload = Json.parseObject(ex.getProperty(DeviceHeaders.PAYLOAD_TEXT, String.class));
        Device device = ex.getProperty(DeviceHeaders.DEVICE, Device.class);
        schemas.validate(device.model(), messageType(ex), payload);
        ex.setProperty(DeviceHeaders.PAYLOAD, payload);
    }

    /** 4. payload deviceId = topic device = the authenticated publisher (stamped by the broker). */
    public void identity(Exchange ex) {
        JsonNode payload = ex.getProperty(DeviceHeaders.PAYLOAD, JsonNode.class);
        Device device = ex.getProperty(DeviceHeaders.DEVICE, Device.class);
        String claimed = payload.path("deviceId").asText(null);
        if (!device.id().equals(claimed)) {
            throw new IntegrityViolation(Reason.DEVICE_ID_MISMATCH, "payload names '" + printable(claimed) + "'");
        }
        String publisher = publisher(ex);
        if (!device.id().equals(publisher)) {
            throw new IntegrityViolation(Reason.IDENTITY_MISMATCH, "published by '" + printable(publisher) + "'");
        }
    }

    /** 5. ts within the allowed skew, msgId not seen before for this device. */
    public void freshness(Exchange ex) {
        JsonNode payload = ex.getProperty(DeviceHeaders.PAYLOAD, JsonNode.class);
        Device device = ex.getProperty(DeviceHeaders.DEVICE, Device.class);
        Instant now = clock.instant();
        Instant ts = Instant.ofEpochMilli(payload.path("ts").asLong());
        Duration off = Duration.between(now, ts).abs();
        if (off.compareTo(policy.clockSkew()) > 0) {
            throw new IntegrityViolation(Reason.STALE_TIMESTAMP, "ts is " + off.toSeconds() + " s from the platform's clock, allowed "
                    + policy.clockSkew().toSeconds() + " s");
        }
        String msgId = payload.path("msgId").asText();
        ReplayGuard.Claim claim = replay.claim(device.id(), msgId, digest(ex.getProperty(DeviceHeaders.RAW, byte[].class)),
                stamp(ex, "dg-ingress"), now);
        switch (claim) {
            case REPLAY -> throw new IntegrityViolation(Reason.REPLAY, "msgId " + printable(msgId));
            case ALREADY_HANDLED -> throw new DuplicateDelivery(device.id(), msgId);
            case REDELIVERY -> ex.setProperty(DeviceHeaders.REDELIVERY, true);
            default -> {
                // FIRST: a message never seen before
            }
        }
        ex.getMessage().setHeader(DeviceHeaders.MSG_ID, msgId);
        metrics.accepted();
    }

    /** The last step of the pipeline, after the sink: the message is handled; its msgId can no longer be redelivered. */
    public void handled(Exchange ex) {
        JsonNode payload = ex.getProperty(DeviceHeaders.PAYLOAD, JsonNode.class);
        Device device = ex.getProperty(DeviceHeaders.DEVICE, Device.class);
        io.deviceguard.store.DeferredWrites deferred = ex.getProperty(io.deviceguard.store.DeferredWrites.PROPERTY,
                io.deviceguard.store.DeferredWrites.class);
        replay.handled(device.id(), payload.path("msgId").asText(), deferred == null ? List.of() : deferred.close());
    }

    private static String digest(byte[] raw) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String messageType(Exchange ex) {
        String kind = ex.getMessage().getHeader(DeviceHeaders.KIND, String.class);
        return switch (kind) {
            case "events" -> "event";
            case "commands/status" -> "command-status";
            default -> kind;
        };
    }

    private static String publisher(Exchange ex) {
        return stamp(ex, "dg-publisher");
    }

    /** A user property the broker stamped on the message (null if absent, or if there is more than one). */
    private static String stamp(Exchange ex, String name) {
        MqttProperties props = ex.getMessage().getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, MqttProperties.class);
        if (props == null) {
            return null;
        }
        List<UserProperty> users = props.getUserProperties();
        String found = null;
        for (UserProperty u : users == null ? List.<UserProperty>of() : users) {
            if (name.equals(u.getKey())) {
                if (found != null) {
                    return null; // more than one stamp: not ours alone
                }
                found = u.getValue();
            }
        }
        return found;
    }

    private static boolean looksLikeCompactJws(String text) {
        int first = text.indexOf('.');
        return first > 0 && text.indexOf('.', first + 1) > first && !text.startsWith("{") && text.indexOf('.', text.indexOf('.', first + 1) + 1) < 0;
    }

    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
