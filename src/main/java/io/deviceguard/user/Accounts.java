package io.deviceguard.user;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditEvent;
import io.deviceguard.audit.AuditLog;
import io.deviceguard.device.DeviceId;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator accounts: create, disable, enable, change role, unlock. Every change is audited (category {@code user},
 * target {@code user:NAME}) before the call returns: together with the login rows of {@link Sessions} these rows are
 * the account's event history. The last enabled admin can be neither disabled nor demoted, so the platform can never
 * be left without someone able to manage it.
 */
public final class Accounts {

    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);

    private final UserStore users;
    private final SessionStore sessions;
    private final LoginFailures failures;
    private final PasswordHasher hasher;
    private final AuditLog audit;
    private final Clock clock;

    Accounts(UserStore users, SessionStore sessions, LoginFailures failures, PasswordHasher hasher, AuditLog audit, Clock clock) {
        this.users = users;
        this.sessions = sessions;
        this.failures = failures;
        this.hasher = hasher;
        this.audit = audit;
        this.clock = clock;
    }

    /** Creates an enabled account. The password is checked against {@link PasswordPolicy}, hashed, and wiped. */
    public UserAccount create(String username, Role role, char[] password, Actor actor) {
        try {
            requireValid(username);
            Optional<String> weak = PasswordPolicy.violation(username, password);
            if (weak.isPresent()) {
                throw new AccountException(AccountException.Reason.WEAK_PASSWORD, weak.get());
            }
            if (users.find(username, clock.instant()).isPresent()) {
                throw new AccountException(AccountException.Reason.DUPLICATE, "user '" + username + "' exists already");
            }
            String hash = hasher.hash(password);
            users.insert(username, role, hash, clock.instant());
        } finally {
            Arrays.fill(password, '\0');
        }
        record(actor, "user.create", username, b -> b.detail("newRole", role.label()));
        LOG.info("user {} created with role {} by {}", username, role.label(), actor.name());
        return require(username);
    }

    public List<UserAccount> list() {
        return users.list(clock.instant());
    }

    public Optional<UserAccount> find(String username) {
        return Username.isValid(username) ? users.find(username, clock.instant()).map(UserStore.Row::account) : Optional.empty();
    }

    /** True when at least one enabled admin exists: the platform can be managed. */
    public boolean hasEnabledAdmin() {
        return users.countEnabled(Role.ADMIN) > 0;
    }

    /** Disables the account and ends its sessions at once. */
    public UserAccount disable(String username, Actor actor) {
        UserAccount a = require(username);
        if (!a.enabled()) {
            return a;
        }
        requireNotLastAdmin(a, "disable");
        Instant now = clock.instant();
        users.setEnabled(username, false, now);
        int ended = sessions.endAll(username, SessionStore.EndReason.DISABLED, now);
        record(actor, "user.disable", username, b -> b.detail("sessionsEnded", ended));
        LOG.info("user {} disabled by {} ({} sessions ended)", username, actor.name(), ended);
        return require(username);
    }

    public UserAccount enable(String username, Actor actor) {
        UserAccount a = require(username);
        if (a.enabled()) {
            return a;
        }
        users.setEnabled(username, true, clock.instant());
        record(actor, "user.enable", username, b -> b);
        LOG.info("user {} enabled by {}", username, actor.name());
        return require(username);
    }

    /** Changes the role; it applies to the account's live sessions at their next call. */
    public UserAccount changeRole(String username, Role role, Actor actor) {
        UserAccount a = require(username);
        if (a.role() == role) {
            return a;
        }
        if (a.role() == Role.ADMIN) {
            requireNotLastAdmin(a, "change the role of");
        }
        users.setRole(username, role, clock.instant());
        record(actor, "user.role", username, b -> b.detail("oldRole", a.role().label()).detail("newRole", role.label()));
        LOG.info("user {} role changed from {} to {} by {}", username, a.role().label(), role.label(), actor.name());
        return require(username);
    }

    /** Ends a lockout before its time and forgets the failed logins. */
    public UserAccount unlock(String username, Actor actor) {
        UserAccount a = require(username);
        failures.clear(username);
        record(actor, "user.unlock", username, b -> b.detail("wasLocked", a.lockedUntil() != null));
        LOG.info("user {} unlocked by {}", username, actor.name());
        return require(username);
    }

    private UserAccount require(String username) {
        requireValid(username);
        return users.find(username, clock.instant()).map(UserStore.Row::account)
                .orElseThrow(() -> new AccountException(AccountException.Reason.NO_SUCH_USER, "no user '" + username + "'"));
    }

    private static void requireValid(String username) {
        if (!Username.isValid(username)) {
            throw new AccountException(AccountException.Reason.INVALID_USERNAME,
                    "invalid username '" + DeviceId.printable(username) + "': " + Username.RULE);
        }
    }

    private void requireNotLastAdmin(UserAccount a, String what) {
        if (a.role() == Role.ADMIN && a.enabled() && users.countEnabled(Role.ADMIN) <= 1) {
            throw new AccountException(AccountException.Reason.LAST_ADMIN, "cannot " + what + " '" + a.username()
                    + "': it is the last enabled admin (create or enable another admin first)");
        }
    }

    private void record(Actor actor, String action, String username,
                        java.util.function.UnaryOperator<AuditEvent.Builder> details) {
        audit.recordAndWait(details.apply(actor.stamp(AuditEvent.of(AuditCategory.USER, action))
                .target(Username.target(username))).build());
    }
}
