package io.deviceguard.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** One row of the chain as stored: the event, its place (seq), time, and the hashes that bind it to the rest. */
public record AuditRecord(long seq, Instant ts, String category, String actorType, String actor, String action,
                          String target, String outcome, String details, String prevHash, String hash) {

    public static final String GENESIS = "0".repeat(64);

    /**
     * SHA-256 over the row's canonical form: each field as {@code length:value}, so no choice of field values can
     * make two different rows hash alike; null is {@code -1:}. The previous row's hash is the last field.
     */
    public static String hash(long seq, Instant ts, String category, String actorType, String actor, String action,
                              String target, String outcome, String details, String prevHash) {
        StringBuilder sb = new StringBuilder(256);
        for (String f : new String[] {Long.toString(seq), ts.toString(), category, actorType, actor, action, target,
                outcome, details, prevHash}) {
            if (f == null) {
                sb.append("-1:");
            } else {
                sb.append(f.length()).append(':').append(f);
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a caller gets for an event kept in the local journal while the database is unavailable (no place yet). */
    public static AuditRecord journaled(Instant ts) {
        return new AuditRecord(-1, ts, null, null, null, null, null, null, null, null, null);
    }

    public boolean isJournaled() {
        return seq < 0;
    }

    /** True when the stored hash is the hash of the stored content. */
    public boolean selfConsistent() {
        return hash.equals(hash(seq, ts, category, actorType, actor, action, target, outcome, details, prevHash));
    }
}
