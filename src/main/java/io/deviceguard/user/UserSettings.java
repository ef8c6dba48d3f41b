package io.deviceguard.user;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import java.time.Duration;

/** Session and lockout limits, from {@code deviceguard.users.*}. */
public record UserSettings(Duration sessionIdle, Duration sessionLifetime, int lockoutThreshold, Duration lockoutWindow) {

    public static UserSettings from(Settings s) {
        return new UserSettings(Duration.ofMinutes(s.getInt(SettingKeys.USERS_SESSION_IDLE_MINUTES)),
                Duration.ofMinutes(s.getInt(SettingKeys.USERS_SESSION_LIFETIME_MINUTES)),
                s.getInt(SettingKeys.USERS_LOCKOUT_THRESHOLD),
                Duration.ofMinutes(s.getInt(SettingKeys.USERS_LOCKOUT_WINDOW_MINUTES)));
    }
}
