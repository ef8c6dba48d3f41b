package io.deviceguard.broker;

/**
 * Why a connection was refused. The code is what the audit trail records in {@code details.reason}; the text is
 * for people. TLS reasons come from the handshake, the others from the CONNECT.
 */
public enum RefusalReason {
    NOT_TLS("the client did not speak TLS"),
    NO_CLIENT_CERTIFICATE("the client presented no certificate"),
    UNTRUSTED_ISSUER("the certificate was not issued by a trusted CA"),
    CERTIFICATE_EXPIRED("the certificate has expired"),
    CERTIFICATE_NOT_YET_VALID("the certificate is not yet valid"),
    TLS_PROTOCOL_NOT_ALLOWED("the client offered no allowed TLS version"),
    NO_SHARED_CIPHER("the client offered no allowed cipher suite"),
    HANDSHAKE_TIMEOUT("the TLS handshake did not complete in time"),
    CLOSED_DURING_HANDSHAKE("the client closed the connection during the TLS handshake"),
    TLS_HANDSHAKE_FAILED("the TLS handshake failed"),
    NO_COMMON_NAME("the certificate subject has no single CN"),
    INVALID_DEVICE_ID("the certificate CN is not a valid device ID"),
    UNREGISTERED_DEVICE("the device is not registered"),
    DEVICE_SUSPENDED("the device is suspended"),
    DEVICE_REVOKED("the device is revoked"),
    CERTIFICATE_NOT_REGISTERED("the certificate is not the one registered for the device"),
    CERTIFICATE_REVOKED("the certificate is revoked"),
    CERTIFICATE_SUPERSEDED("the certificate was replaced by a rotation and its overlap window has ended"),
    CA_DISTRUSTED("the certificate's issuing CA is distrusted"),
    UNKNOWN_CLAIM("the claim certificate belongs to no enrollment"),
    CLAIM_USED("the enrollment's claim was used already"),
    CLAIM_EXPIRED("the enrollment's claim has expired"),
    CLIENT_ID_MISMATCH("the MQTT client ID differs from the certificate CN"),
    REGISTRY_UNAVAILABLE("the device registry could not be read"),
    PROTOCOL_NOT_ALLOWED("only MQTT clients may log in (the cluster port is for cluster peers, with the cluster password)"),
    CONNECT_TIMEOUT("the client sent no MQTT CONNECT in time"),
    TOO_MANY_CONNECTIONS("the broker already holds its maximum of connections"),
    TOO_MANY_DEVICE_CONNECTIONS("the device already holds its maximum of connections"),
    DUPLICATE_PROPERTY("the CONNECT names an MQTT 5 property twice"),
    MALFORMED_CONNECT("the CONNECT holds a string that is not well-formed UTF-8");

    private final String text;

    RefusalReason(String text) {
        this.text = text;
    }

    public String code() {
        return name().toLowerCase();
    }

    public String text() {
        return text;
    }
}
