package io.deviceguard.user;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Argon2id at the parameters stated in {@link PasswordHasher}, kept as PHC strings. */
class PasswordHasherTest {

    private final PasswordHasher hasher = new PasswordHasher();

    @Test
    void hashIsAnArgon2idPhcStringWithTheStatedParametersAndAFreshSalt() {
        String a = hasher.hash("correct horse battery staple".toCharArray());
        String b = hasher.hash("correct horse battery staple".toCharArray());
        assertThat(a).startsWith("$argon2id$v=19$m=65536,t=3,p=4$").doesNotContain("correct horse");
        assertThat(a.split("\\$")).hasSize(6);
        assertThat(a).as("a fresh salt each time").isNotEqualTo(b);
        assertThat(hasher.needsRehash(a)).isFalse();
        assertThat(hasher.needsRehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA")).isTrue();
    }

    @Test
    void verifiesTheRightPasswordOnlyAndMeasuresOneVerification() {
        String h = hasher.hash("correct horse battery staple".toCharArray());
        long t0 = System.nanoTime();
        boolean right = hasher.verify("correct horse battery staple".toCharArray(), h);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("PasswordHasherTest: one Argon2id verification (m=64 MiB, t=3, p=4) took " + ms + " ms");
        assertThat(right).isTrue();
        assertThat(hasher.verify("correct horse battery stapl".toCharArray(), h)).isFalse();
        assertThat(hasher.verify("Correct horse battery staple".toCharArray(), h)).isFalse();
    }

    @Test
    void theSamePasswordTypedInAnotherUnicodeFormVerifies() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are one password after NFKC
        String h = hasher.hash("caf\u00e9 au lait, sans sucre".toCharArray());
        assertThat(hasher.verify("cafe\u0301 au lait, sans sucre".toCharArray(), h)).isTrue();
    }

    @Test
    void aMalformedStoredHashNeverVerifies() {
        assertThat(hasher.verify("anything at all here".toCharArray(), "plaintext-password")).isFalse();
        assertThat(hasher.verify("anything at all here".toCharArray(), null)).isFalse();
    }
}
