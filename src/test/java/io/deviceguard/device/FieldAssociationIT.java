package io.deviceguard.device;

import static io.deviceguard.testing.TestPlatform.reason;
import static io.deviceguard.testing.TestPlatform.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.deviceguard.audit.AuditRecord;
import io.deviceguard.pki.Certificates;
import io.deviceguard.sdk.ClaimBundle;
import io.deviceguard.sdk.Csr;
import io.deviceguard.sdk.DeviceClient;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.FieldProvisioning;
import io.deviceguard.testing.AdminApiClient;
import io.deviceguard.testing.CliRunner;
import io.deviceguard.testing.Mqtt;
import io.deviceguard.testing.TestPlatform;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Field association end to end: an operator opens an enrollment with the CLI (over the admin API), the reference
 * device client (sdk.FieldProvisioning) connects with the claim over real mutual TLS, makes its own key, sends a
 * CSR, gets its chain and connects as the device. Each way of misusing a claim is refused and audited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FieldAssociationIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    Path tmp;
    TestPlatform platform;
    CliRunner operator;
    AdminApiClient api;
    String operatorToken;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("field");
        platform = TestPlatform.start(tmp.resolve("home"));
        String pw = TestSecrets.password();
        platform.createUser("olga", Role.OPERATOR, pw);
        operator = new CliRunner(tmp.resolve("cfg"));
        CliRunner.Result r = operator.run(pw + "\n", "login", "--url", "https://127.0.0.1:" + platform.adminPort(), "--home",
                platform.home().toString(), "--username", "olga", "--password-stdin");
        assertThat(r.exit()).as(r.err()).isZero();
        api = AdminApiClient.of(platform);
        operatorToken = api.token("olga", pw);
    }

    @AfterAll
    void stop() {
        platform.close();
    }

    private ClaimBundle enroll(String deviceId, String ttl) {
        Path dir = tmp.resolve("claim-" + deviceId + "-" + System.nanoTime());
        CliRunner.Result r = operator.run(null, "enrollment", "create", deviceId, "--ttl", ttl, "--out", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Enrollment ").contains("for device " + deviceId);
        return ClaimBundle.load(dir);
    }

    @Test
    void aDeviceEnrolledInTheFieldGetsItsCertificateConnectsAndTheTrailNamesTheOperator() throws Exception {
        ClaimBundle claim = enroll("field-1", "10m");
        assertThat(claim.claimChain().get(0).getNotAfter().toInstant())
                .isBetween(Instant.now().plus(Duration.ofMinutes(9)), Instant.now().plus(Duration.ofMinutes(11)));

        DeviceIdentity id = FieldProvisioning.enroll(claim, "127.0.0.1", platform.mqttPort(), WAIT);
        assertThat(Certificates.commonName(id.chain().get(0))).contains("field-1");
        try (DeviceClient device = new DeviceClient(id, "127.0.0.1", platform.mqttPort())) {
            device.connect();
            assertThat(device.isConnected()).isTrue();
        }
        assertThat(platform.platform().services().registry().find("field-1")).get()
                .extracting(Device::status).isEqualTo(DeviceStatus.ACTIVE);
        AuditRecord done = platform.awaitAudit("enrollment completed",
                row("provisioning", "enrollment-complete", "success").and(r -> r.target().equals("field-1")));
        assertThat(done.details()).contains("\"enrolledBy\":\"olga\"").contains("\"keyOrigin\":\"device\"");
        platform.awaitAudit("enrollment opened by olga", row("provisioning", "enrollment-create", "success")
                .and(r -> r.actor().equals("olga") && r.target().equals("field-1")));

        // the claim is burnt: it cannot even connect again
        assertThatThrownBy(() -> FieldProvisioning.enroll(claim, "127.0.0.1", platform.mqttPort(), WAIT))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("claim reuse refused", row("connection", "connect", "denied").and(reason("claim_used")));
    }

    @Test
    void aSecondCsrOnTheSameClaimIsRefused() throws Exception {
        ClaimBundle claim = enroll("field-2", "10m");
        MqttClient c = Mqtt.connect5(platform.mqttPort(), claim.clientId(), claim.asIdentity().tls());
        try {
            List<String> inbox = Mqtt.inbox();
            Mqtt.subscribe(c, "provisioning/" + claim.enrollmentId() + "/certificate", inbox);
            Mqtt.publish(c, "provisioning/" + claim.enrollmentId() + "/csr", Csr.create(Certificates.newEcKeyPair(), "field-2"));
            await().atMost(WAIT).until(() -> inbox.size() == 1);
            assertThat(inbox.get(0)).contains("-----BEGIN CERTIFICATE-----");
            Mqtt.publish(c, "provisioning/" + claim.enrollmentId() + "/csr", Csr.create(Certificates.newEcKeyPair(), "field-2"));
            await().atMost(WAIT).until(() -> inbox.size() == 2);
            assertThat(inbox.get(1)).contains("error: claim_used");
        } finally {
            Mqtt.closeQuietly(c);
        }
        platform.awaitAudit("second CSR refused", row("provisioning", "enrollment-csr", "denied").and(reason("claim_used"))
                .and(r -> r.target().equals("field-2") && r.details().contains("\"enrolledBy\":\"olga\"")));
    }

    @Test
    void aCsrForAnotherDeviceIdIsRefusedAndBurnsTheClaim() throws Exception {
        ClaimBundle claim = enroll("field-3", "10m");
        String reply = FieldProvisioning.request(claim, "127.0.0.1", platform.mqttPort(),
                Csr.create(Certificates.newEcKeyPair(), "field-1-takeover"), WAIT);
        assertThat(reply).startsWith("error: cn_mismatch");
        assertThatThrownBy(() -> FieldProvisioning.chain(reply)).isInstanceOf(FieldProvisioning.Refused.class)
                .extracting(e -> ((FieldProvisioning.Refused) e).code()).isEqualTo("cn_mismatch");
        assertThat(platform.platform().services().registry().find("field-1-takeover")).isEmpty();
        assertThat(platform.platform().services().registry().find("field-3")).isEmpty();
        platform.awaitAudit("CSR for another ID", row("provisioning", "enrollment-csr", "denied").and(reason("cn_mismatch")));
        assertThatThrownBy(() -> FieldProvisioning.enroll(claim, "127.0.0.1", platform.mqttPort(), WAIT))
                .isInstanceOf(MqttException.class);
    }

    @Test
    void aClaimPastItsTtlIsRefusedOnItsOpenConnectionAndAtConnect() throws Exception {
        FieldEnrollment service = new FieldEnrollment(platform.platform().services().pki(),
                platform.platform().services().registry(), platform.platform().services().enrollments(),
                platform.platform().services().audit(), Duration.ofDays(30), platform.platform().services().deviceKeys());
        // shorter than the API allows (60 s), so that the test need not wait a minute
        FieldEnrollment.Opened o = service.open("field-4", Duration.ofSeconds(3), "olga", Map.of());
        Path dir = tmp.resolve("claim-field-4");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ClaimBundle.KEY), o.claimKeyPem());
        Files.writeString(dir.resolve(ClaimBundle.CHAIN), o.claimCertificatePem());
        Files.writeString(dir.resolve(ClaimBundle.CA), o.caPem());
        Files.writeString(dir.resolve(ClaimBundle.PROPERTIES), "enrollmentId=" + o.enrollment().id() + "\ndeviceId=field-4\n");
        ClaimBundle claim = ClaimBundle.load(dir);
        MqttClient c = Mqtt.connect5(platform.mqttPort(), claim.clientId(), claim.asIdentity().tls());
        try {
            List<String> inbox = Mqtt.inbox();
            Mqtt.subscribe(c, "provisioning/" + claim.enrollmentId() + "/certificate", inbox);
            await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(o.enrollment().expiresAt()));
            Mqtt.publish(c, "provisioning/" + claim.enrollmentId() + "/csr", Csr.create(Certificates.newEcKeyPair(), "field-4"));
            await().atMost(WAIT).until(() -> inbox.size() == 1);
            assertThat(inbox.get(0)).contains(" error: claim_expired");
        } finally {
            Mqtt.closeQuietly(c);
        }
        assertThat(platform.platform().services().registry().find("field-4")).isEmpty();
        assertThatThrownBy(() -> Mqtt.connect5(platform.mqttPort(), claim.clientId(), claim.asIdentity().tls()))
                .isInstanceOf(MqttException.class);
        platform.awaitAudit("expired claim refused", row("provisioning", "enrollment-csr", "denied").and(reason("claim_expired")));
    }

    @Test
    void aClaimMayTouchOnlyItsOwnProvisioningTopics() throws Exception {
        ClaimBundle claim = enroll("field-5", "10m");
        var c = Mqtt.connect5Async(platform.mqttPort(), claim.clientId(), claim.asIdentity().tls());
        try {
            int[] codes = Mqtt.publishAcked(c, "devices/field-1/telemetry", "{}");
            assertThat(codes[0]).as("publishing as a device is not authorized").isGreaterThanOrEqualTo(0x80);
        } finally {
            Mqtt.closeQuietly(c);
        }
        platform.awaitAudit("claim ACL", r -> r.category().equals("acl") && r.outcome().equals("denied")
                && r.actor().equals(claim.clientId()) && r.target().equals("devices/field-1/telemetry"));
    }

    @Test
    void enrollmentsNeedAnUnregisteredIdAndABoundedTtl() {
        platform.createDevice("field-taken");
        AdminApiClient.Reply taken = api.post("/api/v1/enrollments", operatorToken, "{\"deviceId\":\"field-taken\"}");
        assertThat(taken.status()).isEqualTo(409);
        AdminApiClient.Reply tooLong = api.post("/api/v1/enrollments", operatorToken,
                "{\"deviceId\":\"field-6\",\"ttlSeconds\":999999}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().path("field").asText()).isEqualTo("ttlSeconds");
    }
}
