package io.deviceguard.device;

/** A device may connect only while ACTIVE. */
public enum DeviceStatus { ACTIVE, SUSPENDED, REVOKED }
