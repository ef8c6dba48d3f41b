package io.deviceguard.broker;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertPathBuilderException;

/** Names the reason of a failed TLS handshake from the exception the JDK's TLS engine gave. */
final class HandshakeFailures {

    private HandshakeFailures() {
    }

    static RefusalReason classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return RefusalReason.NOT_TLS;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return RefusalReason.HANDSHAKE_TIMEOUT;
            }
            if (t instanceof CertificateExpiredException) {
                return RefusalReason.CERTIFICATE_EXPIRED;
            }
            if (t instanceof CertificateNotYetValidException) {
                return RefusalReason.CERTIFICATE_NOT_YET_VALID;
            }
            if (t instanceof CertPathBuilderException) {
                return RefusalReason.UNTRUSTED_ISSUER;
            }
            if (t instanceof ClosedChannelException) {
                return RefusalReason.CLOSED_DURING_HANDSHAKE;
            }
            String m = t.getMessage() == null ? "" : t.getMessage();
            // the second of each pair: BoringSSL's words (deviceguard.tls.provider=OPENSSL)
            if (m.contains("Empty client certificate chain") || m.contains("null cert chain")
                    || m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
                return RefusalReason.NO_CLIENT_CERTIFICATE;
            }
            if (m.contains("unable to find valid certification path") || m.contains("PKIX path building failed")) {
                return RefusalReason.UNTRUSTED_ISSUER;
            }
            if (m.contains("protocol_version") || m.contains("No appropriate protocol") || m.contains("Client requested protocol")
                    || m.contains("are not accepted by server preferences") || m.contains("UNSUPPORTED_PROTOCOL")
                    || m.contains("PROTOCOL_VERSION")) {
                return RefusalReason.TLS_PROTOCOL_NOT_ALLOWED;
            }
            if (m.contains("no cipher suites in common") || m.contains("No appropriate cipher") || m.contains("NO_SHARED_CIPHER")) {
                return RefusalReason.NO_SHARED_CIPHER;
            }
        }
        // only when nothing more specific was found anywhere in the chain
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("closed") || m.contains("Connection reset")) {
                return RefusalReason.CLOSED_DURING_HANDSHAKE;
            }
        }
        return RefusalReason.TLS_HANDSHAKE_FAILED;
    }
}
