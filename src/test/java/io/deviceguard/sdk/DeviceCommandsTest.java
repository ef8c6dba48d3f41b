package io.deviceguard.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The device's version order, on which its downgrade refusal rests. */
class DeviceCommandsTest {

    @Test
    void versionsCompareNumericallyPartByPart() {
        assertThat(DeviceCommands.compareVersions("2.4.1", "2.10")).isNegative();
        assertThat(DeviceCommands.compareVersions("2.4", "2.4.0")).isZero();
        assertThat(DeviceCommands.compareVersions("3", "2.99.99")).isPositive();
    }
}
