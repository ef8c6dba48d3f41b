package io.deviceguard.management;

import io.deviceguard.user.AuthenticationException;
import io.deviceguard.user.Role;
import io.deviceguard.user.Sessions;
import io.deviceguard.user.UserAccount;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AccountLockedException;
import javax.security.auth.login.FailedLoginException;
import javax.security.auth.login.LoginException;
import javax.security.auth.spi.LoginModule;

/**
 * Hawtio's JAAS login, checked against the platform's own accounts ({@link Sessions#verifyPassword}): the same Argon2id
 * hashes, failure count, lockout and audit rows (category {@code user}, channel {@code hawtio}) as an admin API login.
 * Only the roles in the option {@value #ROLES} get in. JAAS makes the module by reflection, so what it needs comes in
 * its options ({@link HawtioJaas}).
 */
public final class PlatformLoginModule implements LoginModule {

    static final String SESSIONS = "deviceguard.sessions";
    static final String ROLES = "deviceguard.roles";
    static final String CHANNEL = "hawtio";

    private Subject subject;
    private CallbackHandler handler;
    private Sessions sessions;
    private Set<Role> roles;
    private UserAccount account;
    private ConsolePrincipals.User user;
    private ConsolePrincipals.Role role;

    @Override
    @SuppressWarnings("unchecked")
    public void initialize(Subject subject, CallbackHandler handler, Map<String, ?> sharedState, Map<String, ?> options) {
        this.subject = subject;
        this.handler = handler;
        this.sessions = (Sessions) options.get(SESSIONS);
        this.roles = (Set<Role>) options.get(ROLES);
    }

    @Override
    public boolean login() throws LoginException {
        if (sessions == null || roles == null || handler == null) {
            throw new LoginException("the console login is not configured");
        }
        NameCallback name = new NameCallback("username");
        PasswordCallback password = new PasswordCallback("password", false);
        try {
            handler.handle(new Callback[] {name, password});
        } catch (IOException | UnsupportedCallbackException e) {
            throw new LoginException("no username and password: " + e.getMessage());
        }
        char[] secret = password.getPassword();
        password.clearPassword();
        if (name.getName() == null || secret == null || secret.length == 0 || secret.length > 1024) {
            throw new FailedLoginException("invalid username or password");
        }
        try {
            account = sessions.verifyPassword(name.getName(), secret, SourceAddress.current(), CHANNEL, roles);
            return true;
        } catch (AuthenticationException e) {
            if (e.reason() == AuthenticationException.Reason.ACCOUNT_LOCKED) {
                throw new AccountLockedException(e.getMessage());
            }
            throw new FailedLoginException(e.getMessage());
        }
    }

    @Override
    public boolean commit() {
        if (account == null) {
            return false;
        }
        user = new ConsolePrincipals.User(account.username());
        role = new ConsolePrincipals.Role(account.role().label());
        subject.getPrincipals().add(user);
        subject.getPrincipals().add(role);
        return true;
    }

    @Override
    public boolean abort() {
        logout();
        return true;
    }

    @Override
    public boolean logout() {
        if (subject != null && user != null) {
            subject.getPrincipals().remove(user);
            subject.getPrincipals().remove(role);
        }
        account = null;
        user = null;
        role = null;
        return true;
    }
}
