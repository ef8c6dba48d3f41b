package io.deviceguard.management;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.pki.SecretFiles;
import io.deviceguard.user.AuthenticationException;
import io.deviceguard.user.Role;
import io.deviceguard.user.Session;
import io.deviceguard.user.SessionToken;
import io.deviceguard.user.Sessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * Who may read {@code /observe/metrics}: a scraper presenting the scrape token (a random secret in
 * {@code HOME/data/management/scrape-token}, made on first start, mode 0600), or a logged-in admin or operator
 * presenting a session token; both as {@code Authorization: Bearer ...}. Refusals are audited (category {@code api},
 * action {@code observe.metrics}).
 */
final class ScrapeAccess {

    static final String PREFIX = "dgm_";
    private static final Set<Role> SESSION_ROLES = Set.of(Role.ADMIN, Role.OPERATOR);

    /** Allowed, or refused with an HTTP status and a message safe to show. */
    record Decision(int status, String reason, String message) {
        boolean allowed() {
            return status == 200;
        }
    }

    private final byte[] scrapeToken;
    private final Sessions sessions;
    private final AuditLog audit;

    private ScrapeAccess(byte[] scrapeToken, Sessions sessions, AuditLog audit) {
        this.scrapeToken = scrapeToken;
        this.sessions = sessions;
        this.audit = audit;
    }

    static ScrapeAccess open(Path tokenFile, Sessions sessions, AuditLog audit) {
        try {
            if (!Files.isRegularFile(tokenFile)) {
                Files.createDirectories(tokenFile.getParent());
                byte[] b = new byte[32];
                new SecureRandom().nextBytes(b);
                SecretFiles.writeOwnerOnly(tokenFile, (PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b) + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            String token = Files.readString(tokenFile, StandardCharsets.US_ASCII).trim();
            if (!token.startsWith(PREFIX) || token.length() < PREFIX.length() + 32) {
                throw new io.deviceguard.config.ConfigException(tokenFile + " does not hold a scrape token (dgm_...): "
                        + "delete it and a new one is made at the next start");
            }
            return new ScrapeAccess(token.getBytes(StandardCharsets.US_ASCII), sessions, audit);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + tokenFile + ": " + e.getMessage(), e);
        }
    }

    Decision check(String authorization, String source) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refuse("missing_token", 401, "send 'Authorization: Bearer <scrape token or session token>'", source);
        }
        String token = authorization.substring(7).trim();
        if (token.startsWith(PREFIX)) {
            return MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII), scrapeToken)
                    ? new Decision(200, null, null)
                    : refuse("unknown_token", 401, "unknown scrape token", source);
        }
        if (!SessionToken.wellFormed(token)) {
            return refuse("malformed_token", 401, "the bearer token is neither a scrape token nor a session token", source);
        }
        try {
            Session s = sessions.authenticate(token, source, "observe-metrics");
            if (!SESSION_ROLES.contains(s.role())) {
                return refuse("role_not_allowed", 403, "role " + s.role().label() + " may not read metrics", source);
            }
            return new Decision(200, null, null);
        } catch (AuthenticationException e) {
            return refuse(e.reason().code(), 401, e.getMessage(), source);
        }
    }

    private Decision refuse(String reason, int status, String message, String source) {
        audit.record(AuditEvent.of(AuditCategory.API, "observe.metrics").denied()
                .target("/observe/metrics")
                .detail("reason", reason)
                .detail("status", status)
                .detail("source", source).build());
        return new Decision(status, reason, message);
    }
}
