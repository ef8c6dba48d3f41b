package io.deviceguard.user;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logins and sessions of the admin API.
 * <p>
 * A login checks the lock first (a locked account is refused without its password being tried, so the right password
 * does not get through either), then the password. Failures are counted per name, accounts or not; the
 * {@code lockoutThreshold}-th within {@code lockoutWindow} locks the name for the length of the window. Neither the
 * response nor its timing tells whether an account exists.
 * <p>
 * A session token is good until it goes unused for {@code sessionIdle} or reaches {@code sessionLifetime}, whichever
 * comes first, or until logout or the account is disabled. Every login, failure, lockout, logout and expiry is
 * audited in category {@code user}; a name that has no account is not written down, since it may be a password
 * typed into the wrong field.
 */
public final class Sessions {

    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    private static final String UNKNOWN = "(unknown)";

    private final UserStore users;
    private final SessionStore sessions;
    private final LoginFailures failures;
    private final PasswordHasher hasher;
    private final AuditLog audit;
    private final Clock clock;
    private final UserSettings limits;

    Sessions(UserStore users, SessionStore sessions, LoginFailures failures, PasswordHasher hasher, AuditLog audit,
             Clock clock, UserSettings limits) {
        this.users = users;
        this.sessions = sessions;
        this.failures = failures;
        this.hasher = hasher;
        this.audit = audit;
        this.clock = clock;
        this.limits = limits;
    }

    /** A new session: the token (shown once, to the caller) and what it grants. */
    public record Login(String token, Session session) {
        @Override
        public String toString() {
            return "Login[" + session + "]";
        }
    }

    /** Checks the password and opens a session; the password array is wiped. */
    public Login login(String username, char[] password, String source, String requestId) {
        try {
            return doLogin(username, password, source, requestId);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Login doLogin(String username, char[] password, String source, String requestId) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return open(checkPassword(username, password, source, requestId, now), now, source, requestId);
    }

    /**
     * A password login that opens no API session: the management console's (Hawtio). The same lock, failure count,
     * lockout and audit rows as {@link #login}; the success row names the {@code channel}. A right password of an
     * account whose role is not in {@code roles} is refused ({@code role_not_allowed}) and does not count as a failure.
     * The password array is wiped.
     */
    public UserAccount verifyPassword(String username, char[] password, String source, String channel, Set<Role> roles) {
        try {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            UserAccount account = checkPassword(username, password, source, channel, now);
            if (!roles.contains(account.role())) {
                audit.recordAndWait(loginRow(account.username(), source, channel).denied()
                        .detail("channel", channel)
                        .detail("role", account.role().label())
                        .detail("reason", "role_not_allowed").build());
                LOG.info("login of {} to {} refused: role {} not allowed", account.username(), channel, account.role().label());
                throw new AuthenticationException(AuthenticationException.Reason.BAD_CREDENTIALS,
                        "role " + account.role().label() + " may not use " + channel);
            }
            audit.recordAndWait(loginRow(account.username(), source, channel)
                    .detail("channel", channel)
                    .detail("role", account.role().label()).build());
            LOG.info("user {} logged in to {} from {} (role {})", account.username(), channel, source, account.role().label());
            return account;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private UserAccount checkPassword(String username, char[] password, String source, String requestId, Instant now) {
        if (!Username.isValid(username)) {
            hasher.verifyNothing(password);
            throw refuse(UNKNOWN, null, source, requestId, AuthenticationException.Reason.BAD_CREDENTIALS, 0);
        }
        Optional<UserStore.Row> row = users.find(username, now);
        String actor = row.isPresent() ? username : UNKNOWN;
        Optional<Instant> locked = failures.lockedUntil(username, now);
        if (locked.isPresent()) {
            audit.recordAndWait(loginRow(actor, source, requestId).denied()
                    .detail("reason", AuthenticationException.Reason.ACCOUNT_LOCKED.code())
                    .detail("lockedUntil", locked.get().toString()).build());
            throw new AuthenticationException(AuthenticationException.Reason.ACCOUNT_LOCKED,
                    "too many failed logins: this account is locked until " + locked.get()
                            + " (an admin can unlock it sooner)", locked.get());
        }
        boolean good;
        if (row.isPresent()) {
            good = hasher.verify(password, row.get().passwordHash());
        } else {
            hasher.verifyNothing(password);
            good = false;
        }
        if (!good) {
            int count = failures.recordFailure(username, now, now.minus(limits.lockoutWindow()));
            if (count >= limits.lockoutThreshold()) {
                lockOut(username, actor, count, now, source, requestId);
            }
            throw refuse(actor, row.isPresent() ? username : null, source, requestId,
                    AuthenticationException.Reason.BAD_CREDENTIALS, count);
        }
        UserAccount account = row.get().account();
        if (!account.enabled()) {
            audit.recordAndWait(loginRow(actor, source, requestId).denied()
                    .detail("reason", AuthenticationException.Reason.ACCOUNT_DISABLED.code()).build());
            throw new AuthenticationException(AuthenticationException.Reason.ACCOUNT_DISABLED,
                    "account '" + username + "' is disabled");
        }
        failures.clear(username);
        if (hasher.needsRehash(row.get().passwordHash())) {
            users.setPasswordHash(username, hasher.hash(password), now);
        }
        return account;
    }

    private Login open(UserAccount account, Instant now, String source, String requestId) {
        String token = SessionToken.generate();
        String hash = SessionToken.hash(token);
        Instant expires = now.plus(limits.sessionLifetime());
        sessions.purgeEndedBefore(now.minus(Duration.ofDays(1)));
        sessions.insert(hash, account.username(), now, expires, source);
        Session s = new Session(SessionToken.sessionId(hash), account.username(), account.role(), now, expires,
                limits.sessionIdle());
        audit.recordAndWait(loginRow(account.username(), source, requestId)
                .detail("role", account.role().label())
                .detail("session", s.id())
                .detail("expiresAt", expires.toString()).build());
        LOG.info("user {} logged in from {} (role {}, session {})", account.username(), source, account.role().label(), s.id());
        return new Login(token, s);
    }

    private void lockOut(String username, String actor, int count, Instant now, String source, String requestId) {
        Instant until = now.plus(limits.lockoutWindow());
        if (!failures.lock(username, now, until)) {
            return;
        }
        audit.recordAndWait(AuditEvent.of(AuditCategory.USER, "lockout")
                .target(actor.equals(UNKNOWN) ? "(no such account)" : Username.target(username))
                .detail("failures", count)
                .detail("windowMinutes", limits.lockoutWindow().toMinutes())
                .detail("lockedUntil", until.toString())
                .detail("source", source)
                .detail("requestId", requestId).build());
        LOG.warn("account {} locked until {} after {} failed logins (last from {})", actor, until, count, source);
    }

    private AuthenticationException refuse(String actor, String username, String source, String requestId,
                                           AuthenticationException.Reason reason, int failuresInWindow) {
        audit.recordAndWait(loginRow(actor, source, requestId).denied()
                .target(username == null ? null : Username.target(username))
                .detail("reason", reason.code())
                .detail("failuresInWindow", failuresInWindow).build());
        LOG.info("login refused for {} from {}: {}", actor, source, reason.code());
        String lock = failuresInWindow >= limits.lockoutThreshold() ? "; after " + failuresInWindow
                + " failures the account is locked for " + limits.lockoutWindow().toMinutes() + " minutes" : "";
        return new AuthenticationException(reason, "invalid username or password" + lock);
    }

    private static AuditEvent.Builder loginRow(String actor, String source, String requestId) {
        return AuditEvent.of(AuditCategory.USER, "login").actor(AuditEvent.ActorType.USER, actor)
                .target(actor.equals(UNKNOWN) ? null : Username.target(actor))
                .detail("source", source).detail("requestId", requestId);
    }

    /** The session a bearer token stands for, refreshed; or why there is none. */
    public Session authenticate(String token, String source, String requestId) {
        if (token == null || token.isEmpty()) {
            throw new AuthenticationException(AuthenticationException.Reason.MISSING_TOKEN,
                    "no session token: log in (POST /api/v1/login) and send it as 'Authorization: Bearer <token>'");
        }
        if (!SessionToken.wellFormed(token)) {
            throw new AuthenticationException(AuthenticationException.Reason.MALFORMED_TOKEN,
                    "the bearer token is not a deviceguard session token");
        }
        String hash = SessionToken.hash(token);
        SessionStore.Row row = sessions.find(hash).orElseThrow(() -> new AuthenticationException(
                AuthenticationException.Reason.UNKNOWN_TOKEN, "unknown session token: log in again"));
        Instant now = clock.instant();
        if (row.revokedAt() != null) {
            throw ended(row);
        }
        if (!row.userEnabled()) {
            sessions.end(hash, SessionStore.EndReason.DISABLED, now);
            throw new AuthenticationException(AuthenticationException.Reason.ACCOUNT_DISABLED,
                    "account '" + row.username() + "' is disabled");
        }
        if (!now.isBefore(row.expiresAt())) {
            throw expire(row, SessionStore.EndReason.LIFETIME, now, source, requestId);
        }
        if (!now.isBefore(row.lastUsedAt().plus(limits.sessionIdle()))) {
            throw expire(row, SessionStore.EndReason.IDLE, now, source, requestId);
        }
        sessions.touch(hash, now);
        return new Session(SessionToken.sessionId(hash), row.username(), row.role(), row.createdAt(), row.expiresAt(),
                limits.sessionIdle());
    }

    private AuthenticationException expire(SessionStore.Row row, SessionStore.EndReason why, Instant now, String source,
                                           String requestId) {
        if (sessions.end(row.tokenHash(), why, now)) {
            audit.recordAndWait(AuditEvent.of(AuditCategory.USER, "session.expired")
                    .actor(AuditEvent.ActorType.USER, row.username())
                    .target(Username.target(row.username()))
                    .detail("reason", why == SessionStore.EndReason.IDLE ? "idle" : "lifetime")
                    .detail("session", SessionToken.sessionId(row.tokenHash()))
                    .detail("source", source)
                    .detail("requestId", requestId).build());
            LOG.info("session {} of {} expired ({})", SessionToken.sessionId(row.tokenHash()), row.username(),
                    why.name().toLowerCase());
        }
        return ended(new SessionStore.Row(row.tokenHash(), row.username(), row.role(), row.userEnabled(), row.createdAt(),
                row.lastUsedAt(), row.expiresAt(), now, why));
    }

    private AuthenticationException ended(SessionStore.Row row) {
        return switch (row.endReason()) {
            case LOGOUT -> new AuthenticationException(AuthenticationException.Reason.SESSION_ENDED,
                    "this session was ended by logout: log in again");
            case DISABLED -> new AuthenticationException(AuthenticationException.Reason.ACCOUNT_DISABLED,
                    "account '" + row.username() + "' is disabled");
            case IDLE -> new AuthenticationException(AuthenticationException.Reason.SESSION_EXPIRED,
                    "the session expired after " + limits.sessionIdle().toMinutes() + " minutes without use: log in again");
            case LIFETIME -> new AuthenticationException(AuthenticationException.Reason.SESSION_EXPIRED,
                    "the session reached its lifetime of " + limits.sessionLifetime().toMinutes() + " minutes: log in again");
        };
    }

    /** Ends the session of {@code token} for good. */
    public void logout(String token, Session session, Actor actor) {
        sessions.end(SessionToken.hash(token), SessionStore.EndReason.LOGOUT, clock.instant());
        audit.recordAndWait(actor.stamp(AuditEvent.of(AuditCategory.USER, "logout"))
                .target(Username.target(session.username()))
                .detail("session", session.id()).build());
        LOG.info("user {} logged out (session {})", session.username(), session.id());
    }
}
