package io.deviceguard.broker;

/** Who is on a connection once it is authenticated: a device (by ID) or the platform's own routes. */
public record Identity(String name, Role role) {

    /** The broker-level role; decides which topics the ACL allows. */
    public enum Role { DEVICE, SERVICE }

    public static Identity device(String id) {
        return new Identity(id, Role.DEVICE);
    }

    public static Identity service(String name) {
        return new Identity(name, Role.SERVICE);
    }
}
