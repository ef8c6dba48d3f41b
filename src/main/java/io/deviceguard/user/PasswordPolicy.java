package io.deviceguard.user;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The minimum a password must meet, after NIST SP 800-63B: length counts, composition rules do not. At least 12 and at
 * most 256 characters (after Unicode NFKC normalisation, the form that is hashed), no control characters, not one
 * character repeated, not containing the username, and not one of the passwords every guessing list starts with.
 * Any other printable character is allowed, quotes and angle brackets included: a password is only ever hashed.
 */
public final class PasswordPolicy {

    public static final int MIN_LENGTH = 12;
    public static final int MAX_LENGTH = 256;

    private static final Set<String> COMMON = Set.of("password1234", "password12345", "password123456", "123456789012",
            "1234567890123", "12345678901234", "qwertyuiop12", "qwertyuiop123", "qwerty123456", "passwordpassword",
            "iloveyou1234", "letmein12345", "administrator", "administrator1", "changeme1234", "welcome12345",
            "deviceguard1", "deviceguard12", "deviceguard123", "aaaaaaaaaaaa1", "abcdefghijkl", "abc123abc123");

    private PasswordPolicy() {
    }

    /** The rule the password breaks, or empty when it is acceptable. Never repeats the password. */
    public static Optional<String> violation(String username, char[] password) {
        String p = normalize(password);
        int length = p.codePointCount(0, p.length());
        if (length < MIN_LENGTH) {
            return Optional.of("password must have at least " + MIN_LENGTH + " characters (it has " + length + ")");
        }
        if (length > MAX_LENGTH) {
            return Optional.of("password must have at most " + MAX_LENGTH + " characters (it has " + length + ")");
        }
        if (p.codePoints().anyMatch(Character::isISOControl)) {
            return Optional.of("password must not contain control characters");
        }
        if (p.codePoints().distinct().count() == 1) {
            return Optional.of("password must not be one character repeated");
        }
        String lower = p.toLowerCase(Locale.ROOT);
        if (username != null && lower.contains(username.toLowerCase(Locale.ROOT))) {
            return Optional.of("password must not contain the username");
        }
        if (COMMON.contains(lower)) {
            return Optional.of("password is on the lists of common passwords that attackers try first");
        }
        return Optional.empty();
    }

    /** NFKC, so that the same password typed on two keyboards hashes alike (SP 800-63B 5.1.1.2). */
    static String normalize(char[] password) {
        return Normalizer.normalize(java.nio.CharBuffer.wrap(password), Normalizer.Form.NFKC);
    }
}
