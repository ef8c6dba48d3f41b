package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.Home;
import io.deviceguard.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resource limits are checked at start-up: each impossible value is named with what it conflicts with. */
class BrokerLimitsTest {

    @TempDir
    Path tmp;

    private BrokerLimits limits(Map<String, String> props) {
        return BrokerLimits.from(Settings.load(new Home(tmp), props, Map.of()));
    }

    @Test
    void theDocumentedDefaultsAreSafeAndConsistent() {
        BrokerLimits l = limits(Map.of());
        assertThat(l.connectTimeout().toSeconds()).isEqualTo(10);
        assertThat(l.serverKeepAliveSeconds()).isEqualTo(60);
        assertThat(l.maxPacketSize()).isEqualTo(131072);
        assertThat(l.maxTopicLevels()).isEqualTo(16);
        assertThat(l.connections()).isEqualTo(10000);
        assertThat(l.connectionsPerDevice()).isEqualTo(2);
        assertThat(l.publishesPerSecond()).isEqualTo(100);
        assertThat(l.publishBurst()).isEqualTo(200);
        assertThat(l.floodTime().toSeconds()).isEqualTo(30);
        assertThat(l.inflightPublishes()).isEqualTo(64);
        assertThat(l.queuedCommandsPerDevice()).isEqualTo(1000);
        assertThat(l.sessionExpirySeconds()).isEqualTo(604800);
    }

    @Test
    void impossibleLimitsStopStartUpNamingTheKey() {
        assertThatThrownBy(() -> limits(Map.of("deviceguard.limits.inflightPublishes", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.limits.inflightPublishes'")
                .hasMessageContaining("Receive Maximum");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.limits.connectionsPerDevice", "20", "deviceguard.limits.connections", "10")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.limits.connectionsPerDevice'");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.limits.publishesPerSecond", "300")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.limits.publishBurst'");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.mqtt.maxPacketSize", "1024")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.integrity.maxMessageBytes'");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.mqtt.maxTopicLevels", "3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.mqtt.maxTopicLevels'");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.mqtt.sessionExpirySeconds", "2592000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.mqtt.sessionExpirySeconds'");
        assertThatThrownBy(() -> limits(Map.of("deviceguard.mqtt.serverKeepAliveSeconds", "65536")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.mqtt.serverKeepAliveSeconds'");
    }

    @Test
    void aMalformedLimitIsRefusedWhenTheSettingsLoad() {
        assertThatThrownBy(() -> limits(Map.of("deviceguard.limits.connections", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'deviceguard.limits.connections'")
                .hasMessageContaining("greater than 0");
    }
}
