package io.deviceguard.testing;

import io.deviceguard.pki.Pem;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Envelope;
import java.nio.file.Path;
import java.util.Map;

/** The files of one test device, as {@code device create} writes them. */
public record DeviceFiles(String id, Path key, Path certificate, Path ca, Path pkcs12, String pkcs12Password) {

    public DeviceIdentity identity() {
        return new DeviceIdentity(id, Pem.readPrivateKey(key), Pem.readCertificates(certificate), Pem.readCertificate(ca));
    }

    /** A signed envelope of this device, as the device SDK makes it. */
    public String signed(String type, Map<String, ?> data) {
        return Envelope.sign(identity(), type, data);
    }
}
