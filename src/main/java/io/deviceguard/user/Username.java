package io.deviceguard.user;

import java.util.regex.Pattern;

/**
 * An operator's login name: 2-32 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter.
 * Lower case only, so that "Alice" and "alice" can never be two accounts or one account under two spellings.
 */
public final class Username {

    public static final Pattern PATTERN = Pattern.compile("^[a-z][a-z0-9._-]{1,31}$");
    public static final String RULE = "2-32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter";

    private Username() {
    }

    public static boolean isValid(String name) {
        return name != null && PATTERN.matcher(name).matches();
    }

    /** The audit target naming an account, distinct from a device of the same name. */
    public static String target(String name) {
        return "user:" + name;
    }
}
