package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.FieldEnrollment;
import io.deviceguard.pki.SecretFiles;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.ClaimBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code enrollment create ID}: field association of a device that got no key in the factory (operator, admin). */
@Command(name = "enrollment", mixinStandardHelpOptions = true, description = "Field association of devices.",
        subcommands = {EnrollmentCommand.Create.class})
public final class EnrollmentCommand {

    private static final Pattern TTL = Pattern.compile("(\\d{1,5})([smh])");

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Open a one-time enrollment for device ID and write its claim bundle: enrollment.properties,",
                    "claim.key, claim.pem and ca.pem. The device connects with the claim (client ID claim:ENROLLMENT_ID),",
                    "sends a CSR for ID made with its own new key on provisioning/ENROLLMENT_ID/csr and gets its",
                    "certificate on provisioning/ENROLLMENT_ID/certificate (see io.deviceguard.sdk.FieldProvisioning)."})
    static final class Create implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String id;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10m",
                description = "How long the claim is valid: 90s, 10m, 2h (default ${DEFAULT-VALUE})")
        String ttl;

        @Option(names = "--out", paramLabel = "DIR", description = "Where to write the claim bundle (default: claim-DEVICE_ID)")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            DeviceId.require(id);
            Duration d = ttl(ttl);
            Path dir = out == null ? Path.of("claim-" + id) : out;
            Optional<ApiClient> api = Connection.api(spec, home);
            String enrollmentId;
            String expires;
            String key;
            String chain;
            String ca;
            if (api.isPresent()) {
                JsonNode r = api.get().post("/api/v1/enrollments", Map.of("deviceId", id, "ttlSeconds", d.toSeconds()));
                enrollmentId = r.path("enrollmentId").asText();
                expires = r.path("expiresAt").asText();
                key = r.path("claimKey").asText();
                chain = r.path("claimCertificate").asText();
                ca = r.path("ca").asText();
            } else {
                Settings settings = home.settings(Map.of());
                try (PlatformServices s = PlatformServices.open(settings, false)) {
                    FieldEnrollment.Opened o = new FieldEnrollment(s.pki(), s.registry(), s.enrollments(), s.audit(),
                            Duration.ofDays(settings.getInt(SettingKeys.PKI_DEVICE_VALIDITY_DAYS)), s.deviceKeys())
                            .open(id, d, HostUser.name(), Map.of("via", "host"));
                    enrollmentId = o.enrollment().id();
                    expires = o.enrollment().expiresAt().toString();
                    key = o.claimKeyPem();
                    chain = o.claimCertificatePem();
                    ca = o.caPem();
                }
            }
            try {
                Files.createDirectories(dir.toAbsolutePath());
                SecretFiles.writeOwnerOnly(dir.resolve(ClaimBundle.KEY), key.getBytes(StandardCharsets.US_ASCII));
                Files.writeString(dir.resolve(ClaimBundle.CHAIN), chain, StandardCharsets.US_ASCII);
                Files.writeString(dir.resolve(ClaimBundle.CA), ca, StandardCharsets.US_ASCII);
                Files.writeString(dir.resolve(ClaimBundle.PROPERTIES), "enrollmentId=" + enrollmentId + "\ndeviceId=" + id
                        + "\nexpiresAt=" + expires + "\n", StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new CliFailure("enrollment " + enrollmentId + " is open, but its claim bundle could not be written to "
                        + dir + ": " + e.getMessage() + " (let it expire and create another)", e);
            }
            spec.commandLine().getOut().printf("Enrollment %s for device %s, claim valid until %s%nClaim bundle written"
                    + " to %s%n", enrollmentId, id, expires, dir);
            return 0;
        }
    }

    static Duration ttl(String text) {
        Matcher m = TTL.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--ttl '" + text + "' is not a duration: use 90s, 10m or 2h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
