package io.deviceguard.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

/**
 * A signed statement "row {@code seq} of the audit chain has hash {@code hash}", made with the PKI's audit key.
 * Whoever can edit the database cannot forge one, so a verifier holding the checkpoints (kept outside the
 * database too) detects a rewritten chain, deleted rows before a retention cut, and a truncated tail.
 * Kinds: {@code periodic} (every N rows or T minutes), {@code manual}, {@code retention} (the last archived row),
 * {@code seal} (the last row of an export).
 */
public record Checkpoint(long seq, String hash, Instant ts, String kind, String signature) {

    private static final String ALGORITHM = "SHA256withECDSA";

    public static Checkpoint sign(long seq, String hash, Instant ts, String kind, PrivateKey key) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(canonical(seq, hash, ts, kind));
            return new Checkpoint(seq, hash, ts, kind, Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign an audit checkpoint: " + e.getMessage(), e);
        }
    }

    public boolean verify(PublicKey key) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(canonical(seq, hash, ts, kind));
            return s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] canonical(long seq, String hash, Instant ts, String kind) {
        return ("deviceguard-audit-checkpoint|" + seq + "|" + hash + "|" + ts + "|" + kind).getBytes(StandardCharsets.UTF_8);
    }
}
