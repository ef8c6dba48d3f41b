package io.deviceguard.device;

import java.time.Instant;

/**
 * One certificate a device holds or held. {@code supersededUntil} is set on the previous certificate when a device
 * rotates: it keeps working until then (the overlap window) unless the new one is used first.
 */
public record DeviceCertificate(String fingerprint, String deviceId, String serial, String certificatePem,
                                Instant notAfter, Status status, Instant createdAt, Instant supersededUntil,
                                Instant revokedAt, String revocationReason) {

    /** REVOKED certificates are listed in the CRL and refused at CONNECT. */
    public enum Status { ACTIVE, REVOKED }

    public boolean active() {
        return status == Status.ACTIVE;
    }
}
