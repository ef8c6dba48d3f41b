package io.deviceguard.testing;

import java.nio.file.Path;

/** The files of one test device, as {@code device create} writes them. */
public record DeviceFiles(String id, Path key, Path certificate, Path ca, Path pkcs12, String pkcs12Password) {
}
