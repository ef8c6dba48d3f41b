package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reason a refused TLS handshake is audited with, from the exception chains Netty and the JDK's TLS engine
 * produce (messages as JDK 17 words them; Netty wraps the engine's exception in a DecoderException).
 */
class HandshakeFailuresTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("plain TCP (MQTT without TLS) on the TLS port",
                        new DecoderException(new NotSslRecordException("not an SSL/TLS record: 100c00044d515454")),
                        RefusalReason.NOT_TLS),
                Arguments.of("expired client certificate",
                        new DecoderException(handshake("PKIX path validation failed: "
                                + "java.security.cert.CertPathValidatorException: validity check failed",
                                new CertPathValidatorException("validity check failed",
                                        new CertificateExpiredException("NotAfter: Mon Jan 01 00:00:00 UTC 2024")))),
                        RefusalReason.CERTIFICATE_EXPIRED),
                Arguments.of("expired client certificate, directly under the handshake exception",
                        handshake("certificate expired", new CertificateExpiredException("NotAfter: ...")),
                        RefusalReason.CERTIFICATE_EXPIRED),
                Arguments.of("client certificate not yet valid",
                        new DecoderException(handshake("PKIX path validation failed",
                                new CertPathValidatorException("validity check failed",
                                        new CertificateNotYetValidException("NotBefore: ...")))),
                        RefusalReason.CERTIFICATE_NOT_YET_VALID),
                Arguments.of("client sent no certificate",
                        new DecoderException(new SSLHandshakeException("Empty client certificate chain")),
                        RefusalReason.NO_CLIENT_CERTIFICATE),
                Arguments.of("client certificate from a CA the broker does not trust",
                        new DecoderException(new SSLHandshakeException("PKIX path building failed: "
                                + "sun.security.provider.certpath.SunCertPathBuilderException: "
                                + "unable to find valid certification path to requested target")),
                        RefusalReason.UNTRUSTED_ISSUER),
                Arguments.of("untrusted issuer reported only by the path builder",
                        handshake("General SSLEngine problem",
                                new java.security.cert.CertPathBuilderException("no trust anchor")),
                        RefusalReason.UNTRUSTED_ISSUER),
                Arguments.of("handshake not completed within the configured time",
                        new SslHandshakeTimeoutException("handshake timed out after 10000ms"),
                        RefusalReason.HANDSHAKE_TIMEOUT),
                Arguments.of("client offers TLS 1.1 only",
                        new DecoderException(new SSLHandshakeException("Client requested protocol TLSv1.1 is not enabled or supported in server context")),
                        RefusalReason.TLS_PROTOCOL_NOT_ALLOWED),
                Arguments.of("TLS 1.3 client, broker configured for TLS 1.2 only",
                        new DecoderException(new SSLHandshakeException("The client supported protocol versions [TLSv1.3]"
                                + " are not accepted by server preferences [TLS12]")),
                        RefusalReason.TLS_PROTOCOL_NOT_ALLOWED),
                Arguments.of("no shared cipher suite",
                        new DecoderException(new SSLHandshakeException("no cipher suites in common")),
                        RefusalReason.NO_SHARED_CIPHER),
                Arguments.of("client went away mid-handshake",
                        new ClosedChannelException(),
                        RefusalReason.CLOSED_DURING_HANDSHAKE),
                Arguments.of("connection reset mid-handshake",
                        new SSLException("handshake failed", new java.io.IOException("Connection reset by peer")),
                        RefusalReason.CLOSED_DURING_HANDSHAKE),
                Arguments.of("a specific cause deep in the chain beats a generic 'closed' message on top",
                        new SSLException("channel closed", new SSLHandshakeException("Empty client certificate chain")),
                        RefusalReason.NO_CLIENT_CERTIFICATE),
                Arguments.of("anything else",
                        new SSLHandshakeException("Received fatal alert: decrypt_error"),
                        RefusalReason.TLS_HANDSHAKE_FAILED),
                Arguments.of("an exception without a message",
                        new SSLException((String) null),
                        RefusalReason.TLS_HANDSHAKE_FAILED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void classifiesHandshakeFailure(String situation, Throwable failure, RefusalReason expected) {
        assertThat(HandshakeFailures.classify(failure)).isEqualTo(expected);
    }

    private static SSLHandshakeException handshake(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }
}
