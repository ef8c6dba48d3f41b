package io.deviceguard.management;

import io.deviceguard.user.Role;
import io.deviceguard.user.Sessions;
import java.util.Map;
import java.util.Set;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;

/**
 * The JAAS configuration handed to Hawtio (never installed JVM-wide): realm {@value #REALM} is one
 * {@link PlatformLoginModule} over this platform's accounts; every other realm is unknown.
 */
final class HawtioJaas extends Configuration {

    static final String REALM = "deviceguard";

    private final AppConfigurationEntry[] entries;

    HawtioJaas(Sessions sessions, Set<Role> roles) {
        this.entries = new AppConfigurationEntry[] {new AppConfigurationEntry(PlatformLoginModule.class.getName(),
                AppConfigurationEntry.LoginModuleControlFlag.REQUISITE,
                Map.of(PlatformLoginModule.SESSIONS, sessions, PlatformLoginModule.ROLES, Set.copyOf(roles)))};
    }

    @Override
    public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
        return REALM.equals(name) ? entries.clone() : null;
    }
}
