package io.deviceguard.user;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The minimum password policy (NIST SP 800-63B): length counts, composition rules do not. */
class PasswordPolicyTest {

    private static String violation(String user, String password) {
        return PasswordPolicy.violation(user, password.toCharArray()).orElse(null);
    }

    @Test
    void acceptsLongPassphrasesOfAnyPrintableCharacters() {
        assertThat(violation("alice", "correct horse battery staple")).isNull();
        assertThat(violation("alice", "'; drop table users; -- <script>")).as("metacharacters are just characters").isNull();
        assertThat(violation("alice", "Grüße aus Köln 2025")).isNull();
    }

    @Test
    void refusesShortLongRepeatedCommonOrUsernamePasswordsSayingWhy() {
        assertThat(violation("alice", "short pw")).isEqualTo("password must have at least 12 characters (it has 8)");
        assertThat(violation("alice", "x".repeat(200) + "y".repeat(57))).isEqualTo("password must have at most 256 characters (it has 257)");
        assertThat(violation("alice", "aaaaaaaaaaaaaaaa")).isEqualTo("password must not be one character repeated");
        assertThat(violation("alice", "my name is ALICE!!")).isEqualTo("password must not contain the username");
        assertThat(violation("bob", "Password1234")).contains("common passwords");
        assertThat(violation("bob", "tab\there and more")).isEqualTo("password must not contain control characters");
    }
}
