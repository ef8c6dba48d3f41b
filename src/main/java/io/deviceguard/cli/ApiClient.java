package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deviceguard.pki.KeyStores;
import io.deviceguard.pki.Pem;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The CLI's side of the admin API: HTTPS with TLS 1.3/1.2, trusting only the CA file given at login (the platform's
 * root CA) and checking the host name against the server certificate. A problem answer becomes a {@link CliFailure}
 * carrying its detail, with a hint when a login would help. The benchmarks drive a platform in its own process through
 * it too, as an operator would.
 */
public final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String url;
    private final String token;

    public ApiClient(String url, Path ca, String token) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.token = token;
        if (!this.url.startsWith("https://")) {
            throw new CliFailure("the admin API URL must start with https:// (got '" + url + "')");
        }
        SSLParameters tls = new SSLParameters();
        tls.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        this.http = HttpClient.newBuilder().sslContext(trusting(ca)).sslParameters(tls)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static ApiClient of(CliSession s) {
        return new ApiClient(s.url(), s.ca(), s.token());
    }

    private static SSLContext trusting(Path ca) {
        if (!Files.isRegularFile(ca)) {
            throw new CliFailure("CA file " + ca + " is missing (the platform's HOME/certs/root-ca.pem; give it with --ca)");
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (var cert : Pem.readCertificates(ca)) {
                trust.setCertificateEntry("ca-" + i++, cert);
            }
            KeyStore none = KeyStore.getInstance("PKCS12");
            none.load(null, null);
            return KeyStores.clientContext(none, new char[0], trust);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new CliFailure("cannot use CA file " + ca + ": " + e.getMessage(), e);
        }
    }

    String url() {
        return url;
    }

    public JsonNode get(String path, Map<String, String> query) {
        StringJoiner q = new StringJoiner("&", "?", "");
        q.setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return send("GET", path + q, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    private JsonNode send(String method, String path, Object body) {
        // a manufacturing manifest of many thousand rows is one request that signs every CSR before it answers
        Duration timeout = path.equals("/api/v1/devices/import") ? Duration.ofMinutes(15) : Duration.ofSeconds(60);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(timeout);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            try {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new CliFailure("cannot reach the admin API at " + url + ": connection refused (is the platform running,"
                    + " with this admin port?)", e);
        } catch (SSLException e) {
            throw new CliFailure("TLS with " + url + " failed: " + e.getMessage()
                    + " (is the CA file the platform's root CA, and the host name in its server certificate?)", e);
        } catch (IOException e) {
            throw new CliFailure("the admin API at " + url + " did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
        return read(r, path.startsWith("/api/v1/login"));
    }

    private static JsonNode read(HttpResponse<String> r, boolean login) {
        JsonNode json;
        try {
            json = r.body() == null || r.body().isEmpty() ? null : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliFailure("the admin API answered " + r.statusCode() + " with something that is not JSON");
        }
        if (r.statusCode() >= 200 && r.statusCode() < 300) {
            return json;
        }
        String detail = json == null ? "HTTP " + r.statusCode() : json.path("detail").asText("HTTP " + r.statusCode());
        if (login) {
            throw new CliFailure("login refused: " + detail);
        }
        String hint = r.statusCode() == 401 ? " (log in with: deviceguard login)" : "";
        if (json != null && json.path("errors").isArray()) {
            StringBuilder rows = new StringBuilder(detail);
            for (JsonNode e : json.path("errors")) {
                rows.append(System.lineSeparator()).append("  line ").append(e.path("line").asInt()).append(": ")
                        .append(e.path("code").asText()).append(": ").append(e.path("message").asText());
            }
            throw new CliFailure(rows.toString());
        }
        String prefix = switch (r.statusCode()) {
            case 401 -> "not logged in: ";
            case 403 -> "forbidden: ";
            default -> "";
        };
        throw new CliFailure(prefix + detail + hint);
    }
}
