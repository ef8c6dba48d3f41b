package io.deviceguard.user;

import io.deviceguard.audit.AuditLog;
import java.time.Clock;
import javax.sql.DataSource;

/** Accounts and sessions over one database, audit log and clock; the clock is injectable so tests can move time. */
public final class UserServices {

    private final Accounts accounts;
    private final Sessions sessions;

    private UserServices(Accounts accounts, Sessions sessions) {
        this.accounts = accounts;
        this.sessions = sessions;
    }

    public static UserServices create(DataSource dataSource, AuditLog audit, Clock clock, UserSettings limits) {
        UserStore users = new UserStore(dataSource);
        SessionStore sessionStore = new SessionStore(dataSource);
        LoginFailures failures = new LoginFailures(dataSource);
        PasswordHasher hasher = new PasswordHasher();
        return new UserServices(new Accounts(users, sessionStore, failures, hasher, audit, clock),
                new Sessions(users, sessionStore, failures, hasher, audit, clock, limits));
    }

    public Accounts accounts() {
        return accounts;
    }

    public Sessions sessions() {
        return sessions;
    }
}
