package io.deviceguard.cli;

/** Who ran a host command, as the audit trail names them: {@code host:OSUSER}. */
final class HostUser {
    private HostUser() {
    }

    static String name() {
        return "host:" + System.getProperty("user.name", "unknown");
    }
}
