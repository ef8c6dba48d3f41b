package io.deviceguard.user;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argon2id password hashes (RFC 9106) with Bouncy Castle, kept as PHC strings
 * ({@code $argon2id$v=19$m=65536,t=3,p=4$salt$hash}) so that each hash carries its parameters and they can be raised
 * later without invalidating the hashes already stored.
 * <p>
 * Parameters: RFC 9106 section 4, the second recommended option (for when 2 GiB per hash is too much): 64 MiB of
 * memory, 3 passes, 4 lanes, a 16-byte random salt and a 32-byte tag. Bouncy Castle computes the lanes one after the
 * other, so one hash takes about 0.5 s of one core on the reference machine (2 cores). That cost is the point: an
 * attacker with the database pays it for every guess. A flood of logins must not turn it into a memory exhaustion, so
 * at most one hash per core runs at a time and the rest wait.
 */
public final class PasswordHasher {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordHasher.class);

    static final int MEMORY_KIB = 64 * 1024;
    static final int ITERATIONS = 3;
    static final int PARALLELISM = 4;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{16,88})\\$([A-Za-z0-9+/]{16,88})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final SecureRandom random = new SecureRandom();
    private final Semaphore slots = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    private volatile String dummy;

    /** A new hash of {@code password} (normalised NFKC, then UTF-8) with a fresh salt. */
    public String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] tag = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(tag);
    }

    /** True when {@code password} hashes to {@code encoded}; the tags are compared in constant time. */
    public boolean verify(char[] password, String encoded) {
        Matcher m = encoded == null ? null : PHC.matcher(encoded);
        if (m == null || !m.matches()) {
            LOG.error("a stored password hash is not an Argon2id PHC string; that account cannot log in");
            return false;
        }
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = derive(password, B64D.decode(m.group(4)), Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), expected.length);
        return org.bouncycastle.util.Arrays.constantTimeAreEqual(expected, actual);
    }

    /**
     * Spends the time a real verification takes, for a name without an account, so that the response time does not
     * tell which accounts exist.
     */
    public void verifyNothing(char[] password) {
        if (dummy == null) {
            dummy = hash("not a password of anyone".toCharArray());
        }
        verify(password, dummy);
    }

    /** True when {@code encoded} was made with other parameters than today's: rehash it at the next login. */
    public boolean needsRehash(String encoded) {
        return encoded == null || !encoded.startsWith("$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p="
                + PARALLELISM + "$");
    }

    private byte[] derive(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism) {
        return derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    }

    private byte[] derive(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        byte[] input = PasswordPolicy.normalize(password).getBytes(StandardCharsets.UTF_8);
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        slots.acquireUninterruptibly();
        try {
            generator.generateBytes(input, out);
        } finally {
            slots.release();
            Arrays.fill(input, (byte) 0);
        }
        return out;
    }
}
