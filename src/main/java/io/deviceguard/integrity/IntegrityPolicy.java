package io.deviceguard.integrity;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import java.nio.file.Path;
import java.time.Duration;

/** The integrity knobs, from the {@code deviceguard.integrity.*} properties (documented in application.properties). */
public record IntegrityPolicy(int maxMessageBytes, boolean signatureRequired, Duration clockSkew, Duration replayWindow,
                              int quarantineMaxRows, int quarantinePayloadBytes, int anomalyThreshold,
                              Duration anomalyWindow, Path schemaDir) {

    public static IntegrityPolicy from(Settings s) {
        IntegrityPolicy p = new IntegrityPolicy(
                s.getInt(SettingKeys.INTEGRITY_MAX_BYTES),
                Boolean.parseBoolean(s.get(SettingKeys.INTEGRITY_SIGNATURE_REQUIRED)),
                Duration.ofSeconds(s.getInt(SettingKeys.INTEGRITY_CLOCK_SKEW)),
                Duration.ofSeconds(s.getInt(SettingKeys.INTEGRITY_REPLAY_WINDOW)),
                s.getInt(SettingKeys.INTEGRITY_QUARANTINE_MAX_ROWS),
                s.getInt(SettingKeys.INTEGRITY_QUARANTINE_PAYLOAD_BYTES),
                s.getInt(SettingKeys.INTEGRITY_ANOMALY_THRESHOLD),
                Duration.ofSeconds(s.getInt(SettingKeys.INTEGRITY_ANOMALY_WINDOW)),
                Path.of(s.getOrDefault(SettingKeys.INTEGRITY_SCHEMA_DIR, s.home().root().resolve("schemas").toString())));
        if (p.replayWindow.compareTo(p.clockSkew.multipliedBy(2)) < 0) {
            // a message stays fresh for up to twice the skew (ts may lie skew ahead): its msgId must be kept that long
            throw new ConfigException("property '" + SettingKeys.INTEGRITY_REPLAY_WINDOW + "' (" + p.replayWindow.toSeconds()
                    + " s) must be at least twice '" + SettingKeys.INTEGRITY_CLOCK_SKEW + "' (" + p.clockSkew.toSeconds() + " s)");
        }
        return p;
    }
}
