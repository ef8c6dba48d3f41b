package io.deviceguard.management;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /observe/metrics} (Prometheus text, behind {@link ScrapeAccess}) and {@code /observe/health} (JSON). */
final class ObserveServlet extends HttpServlet {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient PlatformMetrics metrics;
    private final transient PlatformHealth health;
    private final transient ScrapeAccess access;

    ObserveServlet(PlatformMetrics metrics, PlatformHealth health, ScrapeAccess access) {
        this.metrics = metrics;
        this.health = health;
        this.access = access;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        switch (path) {
            case "/metrics" -> metrics(req, resp);
            case "/health" -> health(resp);
            default -> problem(resp, 404, "not_found", "no such resource: /observe" + path
                    + " (there are /observe/metrics and /observe/health)");
        }
    }

    private void metrics(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        ScrapeAccess.Decision d = access.check(req.getHeader("Authorization"), req.getRemoteAddr());
        if (!d.allowed()) {
            if (d.status() == 401) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"deviceguard-metrics\"");
            }
            problem(resp, d.status(), d.reason(), d.message());
            return;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    private void health(HttpServletResponse resp) throws IOException {
        PlatformHealth.Report r = health.check();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", r.up() ? "UP" : "DOWN");
        Map<String, Object> checks = new LinkedHashMap<>();
        r.checks().forEach((name, c) -> {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("status", c.status());
            check.put("detail", c.detail());
            checks.put(name, check);
        });
        body.put("checks", checks);
        write(resp, r.up() ? 200 : 503, "application/json", body);
    }

    private static void problem(HttpServletResponse resp, int status, String reason, String detail) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:deviceguard:problem:" + reason);
        body.put("title", reason);
        body.put("status", status);
        body.put("detail", detail);
        write(resp, status, "application/problem+json", body);
    }

    private static void write(HttpServletResponse resp, int status, String type, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        resp.setStatus(status);
        resp.setContentType(type);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
