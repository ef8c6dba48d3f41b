package io.deviceguard.user;

import io.deviceguard.audit.AuditEvent;

/**
 * Who asks for an account or session change, and from where: what every USER audit row records about its origin.
 * {@code role}, {@code source} and {@code requestId} are null where they do not apply (a host command has no
 * request ID; the platform itself has no role).
 */
public record Actor(AuditEvent.ActorType type, String name, String role, String source, String requestId) {

    /** A host command, run by the operating-system user {@code osUser} against the home's database. */
    public static Actor host(String osUser) {
        return new Actor(AuditEvent.ActorType.USER, osUser, null, "host", null);
    }

    /** The platform itself (the first-start bootstrap of an admin account). */
    public static Actor system(String what) {
        return new Actor(AuditEvent.ActorType.SYSTEM, what, null, null, null);
    }

    /** A logged-in user calling the admin API. */
    public static Actor user(Session session, String source, String requestId) {
        return new Actor(AuditEvent.ActorType.USER, session.username(), session.role().label(), source, requestId);
    }

    /** An admin API caller who is not (yet) authenticated. */
    public static Actor anonymous(String source, String requestId) {
        return new Actor(AuditEvent.ActorType.USER, "(anonymous)", null, source, requestId);
    }

    /** The actor, role, source and request ID of an audit row. */
    public AuditEvent.Builder stamp(AuditEvent.Builder b) {
        return b.actor(type, name).detail("role", role).detail("source", source).detail("requestId", requestId);
    }
}
