package io.deviceguard.audit;

/** What an audit row is about; each value is a filter of {@code audit list --category}. */
public enum AuditCategory {
    /** Platform start and stop, and the configuration in force (bound ports, TLS): the attack surface. */
    PLATFORM,
    /** Device and service connections: connect, disconnect, refusal (TLS or MQTT) with its reason. */
    CONNECTION,
    /** Publish and subscribe decisions of the per-device topic ACL. */
    ACL,
    /** Device messages accepted by the routes, and messages refused by the device-auth-check step. */
    MESSAGE,
    /** Registry changes: devices created, suspended, revoked. */
    DEVICE,
    /** Device identities made or changed by the platform: imports, field enrollments (claims), certificate rotations. */
    PROVISIONING,
    /** Device messages that failed an integrity check (quarantined), with the reason. */
    INTEGRITY,
    /** Behaviour flagged as abnormal: a device sending too many non-conforming messages, takeovers. */
    ANOMALY,
    /** Operator accounts and sessions: logins and failed logins, lockouts, logouts, expiries, account and role changes. */
    USER,
    /** Admin API calls, allowed or denied, each with its user, role, request ID and source address. */
    API,
    /** Cloud-to-device commands: created, approved, cancelled, aborted, and every execution's change of state. */
    COMMAND,
    /** Route failures and database errors. */
    ERROR;

    public String label() {
        return name().toLowerCase();
    }
}
