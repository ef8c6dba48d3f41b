package io.deviceguard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration layering and the start-up checks an operator meets when a property is wrong. */
class SettingsTest {

    private static final String PORT = SettingKeys.MQTT_PORT;

    @TempDir
    Path tmp;

    private Home home() {
        return new Home(tmp);
    }

    private void homeProperties(String text) throws IOException {
        Files.writeString(home().propertiesFile(), text, StandardCharsets.UTF_8);
    }

    @Test
    void packagedDefaultsApplyWhenNothingOverridesThem() {
        Settings s = Settings.load(home(), Map.of(), Map.of());

        assertThat(s.getInt(PORT)).isEqualTo(8883);
        assertThat(s.getList(SettingKeys.TLS_PROTOCOLS)).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(s.getList(SettingKeys.PKI_SERVER_NAMES)).containsExactly("localhost", "127.0.0.1");
    }

    @Test
    void eachLayerOverridesTheOneBelow() throws IOException {
        homeProperties("deviceguard.mqtt.port=1111\ndeviceguard.node.id=from-home\ndeviceguard.mqtt.maxPacketSize=2048\n");
        Map<String, String> env = Map.of("DEVICEGUARD_MQTT_PORT", "2222", "DEVICEGUARD_NODE_ID", "from-env");
        Map<String, String> cli = Map.of(PORT, "3333");

        assertThat(Settings.load(home(), Map.of(), Map.of()).getInt(PORT)).as("home file over packaged").isEqualTo(1111);
        assertThat(Settings.load(home(), Map.of(), env).getInt(PORT)).as("environment over home file").isEqualTo(2222);

        Settings all = Settings.load(home(), cli, env);
        assertThat(all.getInt(PORT)).as("command line over environment").isEqualTo(3333);
        assertThat(all.get(SettingKeys.NODE_ID)).as("a key the command line leaves alone keeps the environment's value")
                .isEqualTo("from-env");
        assertThat(all.getInt(SettingKeys.MQTT_MAX_PACKET_SIZE)).as("a key only the home file sets").isEqualTo(2048);
        assertThat(all.getInt(SettingKeys.MQTT_SESSION_EXPIRY)).as("a key nobody overrides").isEqualTo(604800);
    }

    @Test
    void environmentVariableNameIsTheKeyUpperCasedWithUnderscores() {
        Settings s = Settings.load(home(), Map.of(),
                Map.of("DEVICEGUARD_MQTT_PORT", "1884", "DEVICEGUARD_MQTT_MAXPACKETSIZE", "4096"));

        assertThat(s.getInt(SettingKeys.MQTT_PORT)).isEqualTo(1884);
        assertThat(s.getInt(SettingKeys.MQTT_MAX_PACKET_SIZE)).isEqualTo(4096);
    }

    @Test
    void environmentVariablesOfOtherProgramsAreIgnored() {
        Settings s = Settings.load(home(), Map.of(), Map.of("PATH", "/usr/bin", "DEVICEGUARD_MQTT_PROT", "1"));

        assertThat(s.all()).doesNotContainKeys("PATH", "deviceguard.mqtt.prot");
    }

    @Test
    void unknownKeyInHomeFileIsNamedWithItsFileAndANearMiss() throws IOException {
        homeProperties("deviceguard.mqtt.prot=1884\n");

        assertThatThrownBy(() -> Settings.load(home(), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'deviceguard.mqtt.prot'")
                .hasMessageContaining(home().propertiesFile().toString())
                .hasMessageContaining("did you mean 'deviceguard.mqtt.port'");
    }

    @Test
    void unknownKeyOnCommandLineSaysItCameFromTheCommandLine() {
        assertThatThrownBy(() -> Settings.load(home(), Map.of("deviceguard.tls.protocol", "TLSv1.3"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'deviceguard.tls.protocol'")
                .hasMessageContaining("the command line")
                .hasMessageContaining("did you mean 'deviceguard.tls.protocols'");
    }

    @Test
    void unknownKeyFarFromAnyKnownOneGetsNoSuggestion() {
        assertThatThrownBy(() -> Settings.load(home(), Map.of("deviceguard.completely.different", "x"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'deviceguard.completely.different'")
                .hasMessageNotContaining("did you mean");
    }

    @Test
    void keysOfOtherPrefixesPassThroughToCamel() {
        Settings s = Settings.load(home(), Map.of("camel.main.name", "custom"), Map.of());

        assertThat(s.all()).containsEntry("camel.main.name", "custom");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "70000", "0", "-1", "65536", "8883x", "99999999999"})
    void malformedPortIsRefusedNamingKeyValueAndExpectation(String value) {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(PORT, value), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + PORT + "'")
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining("1-65535");
    }

    @Test
    void malformedPortFromEnvironmentNamesTheVariable() {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(), Map.of("DEVICEGUARD_MQTT_PORT", "abc")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable DEVICEGUARD_MQTT_PORT");
    }

    @Test
    void boundaryPortsAreAccepted() {
        assertThat(Settings.load(home(), Map.of(PORT, "1"), Map.of()).getInt(PORT)).isEqualTo(1);
        assertThat(Settings.load(home(), Map.of(PORT, "65535"), Map.of()).getInt(PORT)).isEqualTo(65535);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3,TLSv1.1", "TLSv1.1", "TLSv1", "SSLv3", "TLSv1.2, TLSv1.0", ""})
    void tlsVersionsOlderThan12AreRefused(String protocols) {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(SettingKeys.TLS_PROTOCOLS, protocols), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + SettingKeys.TLS_PROTOCOLS + "'")
                .hasMessageContaining("older protocols are not allowed");
    }

    @Test
    void tls13AloneIsAccepted() {
        Settings s = Settings.load(home(), Map.of(SettingKeys.TLS_PROTOCOLS, "TLSv1.3"), Map.of());

        assertThat(s.getList(SettingKeys.TLS_PROTOCOLS)).containsExactly("TLSv1.3");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_NULL_SHA"})
    void nonAeadOrNonEcdheCipherSuitesAreRefused(String suites) {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(SettingKeys.TLS_CIPHER_SUITES, suites), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + SettingKeys.TLS_CIPHER_SUITES + "'")
                .hasMessageContaining("AES-GCM or ChaCha20-Poly1305");
    }

    @Test
    void aeadSuitesAreAccepted() {
        Settings s = Settings.load(home(), Map.of(SettingKeys.TLS_CIPHER_SUITES,
                "TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"), Map.of());

        assertThat(s.getList(SettingKeys.TLS_CIPHER_SUITES))
                .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    }

    @Test
    void passwordValueIsNeverEchoedWhenItsKeyIsMistyped() throws IOException {
        String secret = "hunter2-Do-Not-Print";
        homeProperties("deviceguard.db.pasword=" + secret + "\n");

        assertThatThrownBy(() -> Settings.load(home(), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'deviceguard.db.pasword'")
                .hasMessageContaining("did you mean 'deviceguard.db.password'")
                .hasMessageNotContaining(secret);
    }

    @Test
    void passwordValueIsNeverEchoedWhenAnotherSettingIsWrong() {
        String secret = "s3cr3t-Do-Not-Print";

        assertThatThrownBy(() -> Settings.load(home(),
                Map.of(SettingKeys.DB_PASSWORD, secret, SettingKeys.DB_POOL_SIZE, "many"),
                Map.of("DEVICEGUARD_DB_PASSWORD", secret)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + SettingKeys.DB_POOL_SIZE + "'")
                .hasMessageNotContaining(secret);
    }

    @Test
    void emptyValueIsRefusedWhereNoDefaultCanBeDerived() {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(PORT, ""), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + PORT + "'");
    }

    @Test
    void emptyDatabaseUrlMeansTheHomesH2File() {
        Settings s = Settings.load(home(), Map.of(SettingKeys.DB_URL, ""), Map.of());

        assertThat(s.getOrDefault(SettingKeys.DB_URL, "derived")).isEqualTo("derived");
    }

    @Test
    void unreadableHomeFileIsNamed() throws IOException {
        homeProperties("deviceguard.node.id=\\uZZZZ\n");

        assertThatThrownBy(() -> Settings.load(home(), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(home().propertiesFile().toString());
    }

    @Test
    void aSingleNodeHasNoClusterPeersAndClusterPeersAreHostPortPairs() {
        assertThat(Settings.load(home(), Map.of(), Map.of()).getList(SettingKeys.CLUSTER_PEERS)).isEmpty();
        Settings two = Settings.load(home(), Map.of(SettingKeys.CLUSTER_PEERS, "node-b.example:61617, 10.0.0.7:61618"), Map.of());
        assertThat(two.getList(SettingKeys.CLUSTER_PEERS)).containsExactly("node-b.example:61617", "10.0.0.7:61618");
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-b", "node-b:", ":61617", "node-b:0", "node-b:70000", "node b:61617"})
    void malformedClusterPeerIsRefusedNamingTheKey(String value) {
        assertThatThrownBy(() -> Settings.load(home(), Map.of(SettingKeys.CLUSTER_PEERS, value), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + SettingKeys.CLUSTER_PEERS + "'")
                .hasMessageContaining("host:port");
    }
}
