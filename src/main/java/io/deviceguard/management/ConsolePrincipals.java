package io.deviceguard.management;

import java.security.Principal;

/** The principals a console login puts in its JAAS subject: the user, and the platform role Hawtio checks. */
public final class ConsolePrincipals {

    private ConsolePrincipals() {
    }

    /** The platform user who logged in. */
    public record User(String name) implements Principal {
        @Override
        public String getName() {
            return name;
        }
    }

    /** The user's platform role ({@code admin}); Hawtio admits only the roles of {@code hawtio.roles}. */
    public record Role(String name) implements Principal {
        @Override
        public String getName() {
            return name;
        }
    }
}
