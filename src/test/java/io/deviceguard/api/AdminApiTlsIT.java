package io.deviceguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.pki.Certificates;
import io.deviceguard.pki.Pem;
import io.deviceguard.pki.Pki;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.TestCerts;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin API speaks HTTPS only, TLS 1.3 or 1.2 with AEAD suites, with the PKI's server certificate, on loopback
 * by default. Plain HTTP gets no HTTP answer at all, and an old-TLS ClientHello (written byte by byte here, since the
 * JDK's own client refuses to offer TLS 1.1) gets no ServerHello.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTlsIT {

    private TestPlatform platform;
    private SSLContext trustingRoot;
    private String token;

    @BeforeAll
    void start() throws Exception {
        platform = TestPlatform.start(Files.createTempDirectory("api-tls"));
        trustingRoot = TestCerts.sslContext(null, null, platform.home().resolve("certs").resolve(Pki.ROOT_CA));
        String password = TestSecrets.password();
        platform.createUser("tina", Role.ADMIN, password);
        AdminApiClient api = AdminApiClient.of(platform);
        token = api.token("tina", password);
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            api.token("tina", password);
        }
        System.out.printf("AdminApiTlsIT: HTTPS login round trip (TLS, Argon2id verify, session, 2 audit rows): %d ms%n",
                (System.nanoTime() - t0) / 3_000_000);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    @Test
    void bindsToLoopbackByDefault() {
        assertThat(platform.platform().settings().get(SettingKeys.API_HOST)).isEqualTo("127.0.0.1");
    }

    @Test
    void plainHttpGetsNoHttpAnswer() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + platform.adminPort()
                + "/api/v1/devices")).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        byte[] answer = exchange(("GET /api/v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.").doesNotContain("devices");
    }

    @Test
    void tls11AndTls10AreRefusedByTheServer() throws Exception {
        byte[] control = exchange(clientHello(3));
        assertThat(control).as("the same hand-made ClientHello offering TLS 1.2 gets a ServerHello").isNotEmpty();
        assertThat(control[0]).isEqualTo((byte) 0x16);
        assertThat(control[5]).as("handshake type server_hello").isEqualTo((byte) 2);
        for (int minor : new int[] {2, 1}) {
            byte[] answer = exchange(clientHello(minor));
            assertThat(answer.length == 0 || answer[0] == 0x15)
                    .as("TLS 1.%d: an alert or a closed connection, never a ServerHello (got %d bytes, first %s)",
                            minor - 1, answer.length, answer.length == 0 ? "-" : Integer.toHexString(answer[0]))
                    .isTrue();
        }
    }

    @Test
    void tls12AndTls13AreAcceptedWithThePkisServerCertificate() throws Exception {
        X509Certificate expected = Pem.readCertificates(platform.home().resolve("certs").resolve(Pki.SERVER_CERT)).get(0);
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            try (SSLSocket s = (SSLSocket) trustingRoot.getSocketFactory().createSocket("127.0.0.1", platform.adminPort())) {
                s.setEnabledProtocols(new String[] {protocol});
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
                assertThat(s.getSession().getCipherSuite()).matches(".*(GCM|CHACHA20).*");
                X509Certificate presented = (X509Certificate) s.getSession().getPeerCertificates()[0];
                assertThat(Certificates.fingerprint(presented)).isEqualTo(Certificates.fingerprint(expected));
            }
        }
    }

    @Test
    void cipherSuitesWithoutAeadAreRefused() throws Exception {
        try (SSLSocket s = (SSLSocket) trustingRoot.getSocketFactory().createSocket("127.0.0.1", platform.adminPort())) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"});
            assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
    }

    /** Sends {@code bytes} on a plain TCP connection and returns what comes back before the server closes (or 5 s). */
    private byte[] exchange(byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", platform.adminPort()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) != -1 && out.size() < 65536) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // a reset or silence ends the answer as well as a close
            }
            return out.toByteArray();
        }
    }

    /**
     * A minimal ClientHello offering only TLS 1.{minor-1} (no supported_versions extension): ECDHE-ECDSA with AES-GCM
     * and AES-CBC, P-256, ECDSA-SHA256 signatures.
     */
    private static byte[] clientHello(int minor) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        byte[] extensions = {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
            0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
            0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03}; // signature_algorithms: ecdsa_secp256r1_sha256
        int length = 2 + 32 + 1 + 2 + 4 + 1 + 1 + 2 + extensions.length;
        ByteBuffer body = ByteBuffer.allocate(length);
        body.put((byte) 3).put((byte) minor).put(random).put((byte) 0)
                .putShort((short) 4).putShort((short) 0xC02B).putShort((short) 0xC009)
                .put((byte) 1).put((byte) 0)
                .putShort((short) extensions.length).put(extensions);
        ByteBuffer record = ByteBuffer.allocate(5 + 4 + length);
        record.put((byte) 0x16).put((byte) 3).put((byte) 1).putShort((short) (4 + length))
                .put((byte) 1).put((byte) 0).putShort((short) length).put(body.array());
        return record.array();
    }
}
