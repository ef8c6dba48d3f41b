package io.deviceguard.broker;

/**
 * Who is on a connection once it is authenticated: a device (by ID), the platform's own routes, or a claim (a
 * device in field association, named {@code claim:ENROLLMENT_ID}, before it has a key of its own).
 */
public record Identity(String name, Role role) {

    /** The broker-level role; decides which topics the ACL allows. */
    public enum Role { DEVICE, SERVICE, CLAIM }

    /** Claim identities and their client IDs start with this; ':' is no device ID's character, so none collide. */
    public static final String CLAIM_PREFIX = "claim:";

    public static Identity device(String id) {
        return new Identity(id, Role.DEVICE);
    }

    public static Identity service(String name) {
        return new Identity(name, Role.SERVICE);
    }

    public static Identity claim(String enrollmentId) {
        return new Identity(CLAIM_PREFIX + enrollmentId, Role.CLAIM);
    }

    /** The enrollment ID of a claim identity. */
    public String enrollmentId() {
        return role == Role.CLAIM ? name.substring(CLAIM_PREFIX.length()) : null;
    }
}
