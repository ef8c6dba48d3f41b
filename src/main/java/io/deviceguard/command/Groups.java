package io.deviceguard.command;

import java.util.regex.Pattern;

/** The rule for static group names. */
final class Groups {

    static final String NAME_RULE = "a group name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Groups() {
    }

    static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
