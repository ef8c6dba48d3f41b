package io.deviceguard.device;

import java.time.Instant;

/** A registry row: the device and the certificate it must present. */
public record Device(String id, DeviceStatus status, String certFingerprint, String certSerial, Instant notAfter,
                     Instant createdAt, String model, String certificatePem) {
}
