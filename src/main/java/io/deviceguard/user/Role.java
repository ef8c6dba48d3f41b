package io.deviceguard.user;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an operator may do. There is no hierarchy and no default: each admin API endpoint names the roles it admits,
 * and a role it does not name is refused.
 */
public enum Role {
    /** Accounts and roles, the PKI, the device registry. */
    ADMIN,
    /** Devices, enrollments, commands. */
    OPERATOR,
    /** Reads the audit trail, nothing else. */
    AUDITOR;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named exactly {@code admin}, {@code operator} or {@code auditor}. */
    public static Optional<Role> parse(String label) {
        return Arrays.stream(values()).filter(r -> r.label().equals(label)).findFirst();
    }

    /** "admin, operator, auditor": for messages that say what is accepted. */
    public static String choices() {
        return Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", "));
    }
}
