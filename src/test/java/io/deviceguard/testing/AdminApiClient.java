package io.deviceguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.pki.Pki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** The admin API as an HTTPS client sees it: java.net.http over TLS, trusting only the platform's root CA. */
public final class AdminApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;

    public AdminApiClient(int port, Path rootCa) {
        SSLContext tls = TestCerts.sslContext(null, null, rootCa);
        this.http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.base = "https://127.0.0.1:" + port;
    }

    public static AdminApiClient of(TestPlatform p) {
        return new AdminApiClient(p.adminPort(), p.home().resolve("certs").resolve(Pki.ROOT_CA));
    }

    public String base() {
        return base;
    }

    /** An answer: status, headers and body as text. */
    public record Reply(int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        public String requestId() {
            return header("X-Request-Id");
        }

        /** The detail of a problem answer. */
        public String detail() {
            return json().path("detail").asText();
        }
    }

    public Reply call(String method, String path, String token, String contentType, String body) {
        return call(method, path, token, contentType, body, Duration.ofSeconds(30));
    }

    /** With a timeout of its own: a bulk import's one request takes longer than any other call. */
    public Reply call(String method, String path, String token, String contentType, String body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Reply get(String path, String token) {
        return call("GET", path, token, null, null);
    }

    public Reply post(String path, String token, String json) {
        return call("POST", path, token, json == null ? null : "application/json", json);
    }

    public Reply put(String path, String token, String json) {
        return call("PUT", path, token, "application/json", json);
    }

    public Reply login(String username, String password) {
        return post("/api/v1/login", null, "{\"username\":" + quote(username) + ",\"password\":" + quote(password) + "}");
    }

    /** Logs in and returns the token; fails the test if the login is refused. */
    public String token(String username, String password) {
        Reply r = login(username, password);
        if (r.status() != 200) {
            throw new AssertionError("login of " + username + " refused: " + r.status() + " " + r.body());
        }
        return r.json().path("token").asText();
    }

    /** Makes an admin account {@code name} with a fresh password on {@code platform} and logs it in: its token. */
    public String newAdmin(TestPlatform platform, String name) {
        String password = TestSecrets.password();
        platform.createUser(name, io.deviceguard.user.Role.ADMIN, password);
        return token(name, password);
    }

    public static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
