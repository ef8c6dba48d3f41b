package io.deviceguard.cli;

import io.deviceguard.config.Settings;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.user.Accounts;
import io.deviceguard.user.UserServices;
import io.deviceguard.user.UserSettings;
import java.time.Clock;

/** The accounts of a home, opened by a host command (through the running platform's database server if it runs). */
final class HostUsers implements AutoCloseable {

    private final PlatformServices services;
    private final Accounts accounts;

    HostUsers(Settings settings) {
        this.services = PlatformServices.open(settings, false);
        this.accounts = UserServices.create(services.database().dataSource(), services.audit(), Clock.systemUTC(),
                UserSettings.from(settings)).accounts();
    }

    Accounts accounts() {
        return accounts;
    }

    @Override
    public void close() {
        services.close();
    }
}
