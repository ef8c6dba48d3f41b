package io.deviceguard.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The device's side of cloud-to-device commands. Each command received on {@code devices/{id}/commands} is checked
 * before anything runs: a JWS (ES256) from the platform's command key (the {@code command-signing.pem} of the
 * device bundle), naming this device, not expired, and a {@code commandId} not seen before. A command that fails is
 * REJECTED with the reason; one that passes is reported DELIVERED, carried out, and its result reported SUCCEEDED or
 * FAILED, each report a signed {@code command-status} message. A command seen before is not carried out again: its
 * recorded reports are sent again instead, so a platform that resends after a restart gets the same outcome.
 */
public final class DeviceCommands {

    public static final String KEY_ID = "deviceguard-commands";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REMEMBERED = 10_000;

    /** Sends one status report (signed by the device) to the platform. */
    public interface Reporter {
        void report(String commandId, String state, String reason, String detail);
    }

    /** What the device does for one type. Returns the result, or null when it reports later through {@code later}. */
    public interface Action {
        Result apply(String commandId, JsonNode params, Reporter later);
    }

    /** The end of a command on the device. */
    public record Result(boolean succeeded, String reason, String detail) {
        public static Result ok(String detail) {
            return new Result(true, null, detail);
        }

        public static Result failed(String reason, String detail) {
            return new Result(false, reason, detail);
        }
    }

    /** What {@link #handle} decided: accepted, or rejected with a reason (bad_signature, device_mismatch, expired, replay...). */
    public record Verdict(String commandId, boolean accepted, String reason) {
    }

    private final DeviceIdentity identity;
    private final ECDSAVerifier verifier;
    private final Clock clock;
    private final Reporter reporter;
    private final Map<String, Action> actions = new HashMap<>();
    private final Map<String, List<String[]>> seen = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String[]>> eldest) {
            return size() > REMEMBERED;
        }
    });
    private final Map<String, Object> configuration = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile String softwareVersion;
    private volatile int reboots;
    private volatile int activeGrants;
    private ScheduledExecutorService grantTimer;

    public DeviceCommands(DeviceIdentity identity, X509Certificate commandCertificate, String softwareVersion,
                          Clock clock, Reporter reporter) {
        this.identity = identity;
        try {
            this.verifier = new ECDSAVerifier((ECPublicKey) commandCertificate.getPublicKey());
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalArgumentException("the command signing certificate has no EC P-256 key", e);
        }
        this.softwareVersion = softwareVersion;
        this.clock = clock;
        this.reporter = reporter;
        actions.put("configure", this::configure);
        actions.put("reboot", (id, p, later) -> {
            reboots++;
            return Result.ok("rebooted");
        });
        actions.put("remote-access", this::remoteAccess);
        actions.put("software-update", this::softwareUpdate);
    }

    /** Replaces or adds the action of a type (custom types, or a device that behaves differently). */
    public DeviceCommands on(String type, Action action) {
        actions.put(type, action);
        return this;
    }

    public Verdict handle(byte[] message) {
        String text = new String(message, StandardCharsets.UTF_8);
        JWSObject jws;
        JsonNode claims;
        try {
            jws = JWSObject.parse(text);
            claims = JSON.readTree(jws.getPayload().toString());
        } catch (ParseException | java.io.IOException | RuntimeException e) {
            return new Verdict(null, false, "not_jws");
        }
        String commandId = claims.path("commandId").isTextual() ? claims.path("commandId").asText() : null;
        if (commandId == null || !commandId.matches("[A-Za-z0-9-]{1,36}")) {
            return new Verdict(null, false, "malformed");
        }
        String reason = check(jws, claims);
        if (reason != null) {
            // only a command the platform signed is remembered: a forged one must not block the real one
            return reason.equals("bad_signature") || reason.equals("wrong_key") ? rejectUnremembered(commandId, reason)
                    : reject(commandId, reason);
        }
        List<String[]> before = seen.putIfAbsent(commandId, Collections.synchronizedList(new ArrayList<>()));
        if (before != null) {
            synchronized (before) {
                for (String[] r : before) {
                    reporter.report(commandId, r[0], r[1], r[2]);
                }
            }
            return new Verdict(commandId, false, "replay");
        }
        String type = claims.path("type").asText();
        JsonNode params = claims.path("params");
        Action action = actions.get(type);
        if (action == null) {
            return reject(commandId, "unsupported_type");
        }
        if (type.equals("software-update") && compareVersions(params.path("version").asText(), softwareVersion) < 0) {
            return reject(commandId, "downgrade");
        }
        report(commandId, "DELIVERED", null, type.equals("remote-access") ? "remote-access "
                + params.path("app").asText() + " started for " + params.path("minutes").asText() + " min" : null);
        Result r;
        try {
            r = action.apply(commandId, params, (id, state, why, detail) -> report(id, state, why, detail));
        } catch (RuntimeException e) {
            r = Result.failed("device_error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (r != null) {
            report(commandId, r.succeeded() ? "SUCCEEDED" : "FAILED", r.reason(), r.detail());
        }
        return new Verdict(commandId, true, null);
    }

    private String check(JWSObject jws, JsonNode claims) {
        if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm()) || !KEY_ID.equals(jws.getHeader().getKeyID())) {
            return "wrong_key";
        }
        try {
            if (!jws.verify(verifier)) {
                return "bad_signature";
            }
        } catch (JOSEException | IllegalStateException e) {
            return "bad_signature";
        }
        if (!identity.id().equals(claims.path("deviceId").asText())) {
            return "device_mismatch";
        }
        if (!claims.path("exp").canConvertToLong() || clock.instant().getEpochSecond() >= claims.path("exp").asLong()) {
            return "expired";
        }
        return null;
    }

    private Verdict reject(String commandId, String reason) {
        // a rejection is remembered too: the same command again gets the same answer
        List<String[]> log = seen.computeIfAbsent(commandId, k -> Collections.synchronizedList(new ArrayList<>()));
        if (log.isEmpty()) {
            report(commandId, "REJECTED", reason, null);
        } else {
            reporter.report(commandId, "REJECTED", reason, null);
        }
        return new Verdict(commandId, false, reason);
    }

    private Verdict rejectUnremembered(String commandId, String reason) {
        reporter.report(commandId, "REJECTED", reason, null);
        return new Verdict(commandId, false, reason);
    }

    private void report(String commandId, String state, String reason, String detail) {
        List<String[]> log = seen.computeIfAbsent(commandId, k -> Collections.synchronizedList(new ArrayList<>()));
        log.add(new String[] {state, reason, detail});
        reporter.report(commandId, state, reason, detail);
    }

    private Result configure(String commandId, JsonNode params, Reporter later) {
        params.fields().forEachRemaining(e -> configuration.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue()
                : e.getValue().isBoolean() ? e.getValue().booleanValue() : e.getValue().asText()));
        return Result.ok("applied " + params.size() + " setting(s)");
    }

    /** The grant ends by itself: no command is needed to close the session. */
    private Result remoteAccess(String commandId, JsonNode params, Reporter later) {
        Duration length = Duration.ofMillis((long) (params.path("minutes").asDouble() * 60_000));
        activeGrants++;
        Instant started = clock.instant();
        grantTimer().schedule(() -> {
            activeGrants--;
            later.report(commandId, "SUCCEEDED", null, "remote-access " + params.path("app").asText() + " ended after "
                    + Duration.between(started, clock.instant()).toMillis() + " ms");
        }, length.toMillis(), TimeUnit.MILLISECONDS);
        return null;
    }

    private Result softwareUpdate(String commandId, JsonNode params, Reporter later) {
        // a real device downloads params.uri, checks params.sha256, installs; the simulated one takes the version
        softwareVersion = params.path("version").asText();
        return Result.ok("installed " + softwareVersion);
    }

    private synchronized ScheduledExecutorService grantTimer() {
        if (grantTimer == null) {
            grantTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "device-grant-" + identity.id());
                t.setDaemon(true);
                return t;
            });
        }
        return grantTimer;
    }

    /** Compares dotted numeric versions: 2.4.1 &lt; 2.10. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? Long.parseLong(x[i]) : 0;
            long q = i < y.length ? Long.parseLong(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }

    public Map<String, Object> configuration() {
        return Map.copyOf(configuration);
    }

    public String softwareVersion() {
        return softwareVersion;
    }

    public int reboots() {
        return reboots;
    }

    public int activeGrants() {
        return activeGrants;
    }

    public void close() {
        if (grantTimer != null) {
            grantTimer.shutdownNow();
        }
    }
}
