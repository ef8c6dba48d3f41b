package io.deviceguard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.activemq.artemis.core.config.WildcardConfiguration;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTUtil;
import org.apache.activemq.artemis.core.security.CheckType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-device topic ACL, as a table of (check, core address) for device {@code dev-1.a}. Addresses are written as
 * Artemis hands them to the security manager: MQTT '/' becomes '.', '+' becomes '*', and a '.' inside a topic level
 * is escaped as {@code \.} (see {@link #artemisEscapesADotInsideATopicLevel}), so the device's own telemetry topic
 * {@code devices/dev-1.a/telemetry} is {@code devices.dev-1\.a.telemetry}.
 */
class TopicAclTest {

    private static final Identity DEVICE = Identity.device("dev-1.a");
    private static final Identity SERVICE = Identity.service("deviceguard-service");

    @Test
    void artemisEscapesADotInsideATopicLevel() {
        WildcardConfiguration core = new WildcardConfiguration();

        assertThat(MQTTUtil.getCoreAddressFromMqttTopic("devices/dev-1.a/telemetry", core))
                .isEqualTo("devices.dev-1\\.a.telemetry");
        assertThat(MQTTUtil.getCoreAddressFromMqttTopic("devices/dev-1/a/telemetry", core))
                .isEqualTo("devices.dev-1.a.telemetry");
        assertThat(MQTTUtil.getCoreAddressFromMqttTopic("devices/+/commands", core)).isEqualTo("devices.*.commands");
    }

    @ParameterizedTest(name = "device dev-1.a may {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SEND                     | devices.dev-1\\.a.telemetry
            SEND                     | devices.dev-1\\.a.events
            SEND                     | devices.dev-1\\.a.commands.status
            CREATE_ADDRESS           | devices.dev-1\\.a.telemetry
            CREATE_ADDRESS           | devices.dev-1\\.a.commands
            CREATE_DURABLE_QUEUE     | devices.dev-1\\.a.commands
            CREATE_NON_DURABLE_QUEUE | devices.dev-1\\.a.commands
            CONSUME                  | devices.dev-1\\.a.commands
            CREATE_DURABLE_QUEUE     | devices.dev-1\\.a.commands::dev-1.a.devices.dev-1\\.a.commands
            CREATE_NON_DURABLE_QUEUE | devices.dev-1\\.a.commands::dev-1.a.devices.dev-1\\.a.commands
            CONSUME                  | devices.dev-1\\.a.commands::dev-1.a.devices.dev-1\\.a.commands
            DELETE_DURABLE_QUEUE     | devices.dev-1\\.a.commands::dev-1.a.devices.dev-1\\.a.commands
            SEND                     | devices.dev-1\\.a.certificate.csr
            CONSUME                  | devices.dev-1\\.a.certificate
            CREATE_NON_DURABLE_QUEUE | devices.dev-1\\.a.certificate
            """)
    void deviceMayUseItsOwnTopics(CheckType check, String address) {
        assertThat(TopicAcl.allows(DEVICE, check, address)).isTrue();
    }

    @ParameterizedTest(name = "device dev-1.a may not {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SEND                     | devices.dev-1\\.a.commands
            SEND                     | devices.dev-1\\.a.commands.other
            SEND                     | devices.dev-1\\.a.status
            SEND                     | devices.dev-2.telemetry
            SEND                     | devices.dev-1.telemetry
            SEND                     | devices.dev-1.a.telemetry
            SEND                     | devices.dev-1\\.a.telemetry.extra
            SEND                     | devices.*.telemetry
            SEND                     | devices.dev-1\\.a.*
            SEND                     | provisioning.x.csr
            SEND                     | $sys.broker
            CONSUME                  | devices.dev-2.commands
            CONSUME                  | devices.dev-1.commands
            CONSUME                  | devices.dev-1.a.commands
            CONSUME                  | devices.dev-1\\.a.telemetry
            CONSUME                  | devices.dev-1\\.a.commands.status
            CONSUME                  | #
            CONSUME                  | devices.#
            CONSUME                  | devices.*.commands
            CONSUME                  | devices.dev-1\\.a.#
            CONSUME                  | devices.dev-1\\.a.*
            CONSUME                  | devices.dev-1.a.#
            CONSUME                  | $sys.#
            CONSUME                  | devices.dev-2.commands::devices.dev-1\\.a.commands
            CREATE_DURABLE_QUEUE     | #
            CREATE_DURABLE_QUEUE     | devices.*.commands
            CREATE_DURABLE_QUEUE     | devices.dev-1\\.a.#
            CREATE_DURABLE_QUEUE     | devices.dev-1.a.#
            CREATE_DURABLE_QUEUE     | devices.dev-2.commands
            CREATE_NON_DURABLE_QUEUE | $sys.#
            CREATE_NON_DURABLE_QUEUE | devices.*.commands
            CREATE_ADDRESS           | devices.dev-2.telemetry
            MANAGE                   | devices.dev-1\\.a.commands
            MANAGE                   | activemq.management
            DELETE_ADDRESS           | devices.dev-1\\.a.commands
            DELETE_ADDRESS           | devices.dev-1\\.a.telemetry
            EDIT                     | devices.dev-1\\.a.commands
            BROWSE                   | devices.dev-1\\.a.commands
            VIEW                     | devices.dev-1\\.a.commands
            """)
    void deviceMayNotTouchAnythingElse(CheckType check, String address) {
        assertThat(TopicAcl.allows(DEVICE, check, address)).isFalse();
    }

    @Test
    void aDevicesIdPrefixGrantsNothingOnAnotherDevicesTopics() {
        Identity dev1 = Identity.device("dev-1");

        assertThat(TopicAcl.allows(dev1, CheckType.SEND, "devices.dev-1\\.a.telemetry")).isFalse();
        assertThat(TopicAcl.allows(dev1, CheckType.CONSUME, "devices.dev-1\\.a.commands")).isFalse();
        assertThat(TopicAcl.allows(dev1, CheckType.SEND, "devices.dev-1.telemetry")).isTrue();
        assertThat(TopicAcl.allows(DEVICE, CheckType.SEND, "devices.dev-1.telemetry")).isFalse();
    }

    @ParameterizedTest(name = "service may {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SEND                     | devices.dev-1\\.a.commands
            SEND                     | devices.dev-2.commands
            CREATE_ADDRESS           | devices.dev-2.commands
            CONSUME                  | devices.*.telemetry
            CONSUME                  | devices.*.telemetry::deviceguard
            CREATE_DURABLE_QUEUE     | devices.*.events::deviceguard
            CREATE_NON_DURABLE_QUEUE | devices.*.commands.status
            DELETE_DURABLE_QUEUE     | devices.*.telemetry::deviceguard
            SEND                     | provisioning.x.certificate
            CONSUME                  | provisioning.*.csr::deviceguard
            """)
    void serviceMayUseEveryDeviceTopic(CheckType check, String address) {
        assertThat(TopicAcl.allows(SERVICE, check, address)).isTrue();
    }

    @ParameterizedTest(name = "service may not {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            MANAGE                   | devices.dev-2.commands
            MANAGE                   | activemq.management
            EDIT                     | devices.dev-2.commands
            DELETE_ADDRESS           | devices.dev-2.commands
            SEND                     | $sys.broker
            CONSUME                  | #
            CONSUME                  | $sys.#
            CONSUME                  | DLQ
            SEND                     | other.x.certificate
            """)
    void serviceMayNotManageTheBrokerNorLeaveTheDeviceTopics(CheckType check, String address) {
        assertThat(TopicAcl.allows(SERVICE, check, address)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(CheckType.class)
    void nothingIsAllowedOnTheWholeTree(CheckType check) {
        assertThat(TopicAcl.allows(DEVICE, check, "#")).isFalse();
        assertThat(TopicAcl.allows(SERVICE, check, "#")).isFalse();
    }

    @Test
    void auditShowsTheMqttTopicOfACoreAddress() {
        assertThat(TopicAcl.mqttTopic("devices.dev-1\\.a.telemetry")).isEqualTo("devices/dev-1.a/telemetry");
        assertThat(TopicAcl.mqttTopic("devices.dev-1.a.telemetry")).isEqualTo("devices/dev-1/a/telemetry");
        assertThat(TopicAcl.mqttTopic("devices.*.commands::q")).isEqualTo("devices/+/commands");
        assertThat(TopicAcl.mqttTopic("devices.#")).isEqualTo("devices/#");
    }

    private static final Identity CLAIM = Identity.claim("0123abcd");

    @ParameterizedTest(name = "claim 0123abcd may {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SEND                     | provisioning.0123abcd.csr
            CREATE_ADDRESS           | provisioning.0123abcd.csr
            CONSUME                  | provisioning.0123abcd.certificate
            CREATE_NON_DURABLE_QUEUE | provisioning.0123abcd.certificate::claim:0123abcd.provisioning.0123abcd.certificate
            """)
    void claimMayUseOnlyItsOwnProvisioningTopics(CheckType check, String address) {
        assertThat(TopicAcl.allows(CLAIM, check, address)).isTrue();
    }

    @ParameterizedTest(name = "claim 0123abcd may not {0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SEND                     | provisioning.0123abcd.certificate
            CONSUME                  | provisioning.0123abcd.csr
            SEND                     | provisioning.ffff.csr
            CONSUME                  | provisioning.*.certificate
            SEND                     | devices.0123abcd.telemetry
            SEND                     | devices.claim:0123abcd.telemetry
            CONSUME                  | devices.dev-1\\.a.commands
            """)
    void claimMayNotUseAnyOtherTopic(CheckType check, String address) {
        assertThat(TopicAcl.allows(CLAIM, check, address)).isFalse();
    }
}
