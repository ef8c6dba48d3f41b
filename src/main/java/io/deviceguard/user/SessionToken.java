package io.deviceguard.user;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Session tokens: 256 random bits from SecureRandom, URL-safe Base64, behind a fixed {@value #PREFIX} prefix so that
 * secret scanners (and this project's own log scan) can recognise one that leaked. Only the SHA-256 of a token is
 * stored: a copy of the database lets nobody call the API. A plain hash suffices where a password needs Argon2,
 * because the token has 256 bits of entropy and cannot be guessed from its hash.
 */
public final class SessionToken {

    public static final String PREFIX = "dgs_";
    /** What a token looks like; anything else is refused before the database is asked. */
    public static final Pattern FORMAT = Pattern.compile(PREFIX + "[A-Za-z0-9_-]{43}");

    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionToken() {
    }

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static boolean wellFormed(String token) {
        return token != null && FORMAT.matcher(token).matches();
    }

    /** SHA-256 of the token, lower-case hex: the key of its session row. */
    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The session's name in audit rows and logs: a prefix of the hash, never the token. */
    public static String sessionId(String tokenHash) {
        return tokenHash.substring(0, 16);
    }
}
