package io.deviceguard.testing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Passwords for tests. Every one carries {@link #MARKER}, so that the scan of the suite's log output can tell that no
 * password leaked without knowing each one; session tokens are recognised by their format.
 */
public final class TestSecrets {

    /** Part of every test password, and of nothing else. */
    public static final String MARKER = "Zq7-horse-battery";
    /** A deviceguard session token, wherever it appears. */
    public static final Pattern TOKEN = Pattern.compile("dgs_[A-Za-z0-9_-]{43}");
    /** The management port's scrape token, wherever it appears. */
    public static final Pattern SCRAPE_TOKEN = Pattern.compile("dgm_[A-Za-z0-9_-]{43}");

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestSecrets() {
    }

    /** A fresh password that meets the policy. */
    public static String password() {
        return "pw" + COUNTER.incrementAndGet() + " " + MARKER + " staple";
    }

    /** A password with SQL and HTML metacharacters: it must be hashed as is, never interpreted. */
    public static String nastyPassword() {
        return "'; drop table users; -- <script>alert(1)</script> " + MARKER;
    }
}
