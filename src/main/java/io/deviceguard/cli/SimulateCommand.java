package io.deviceguard.cli;

import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import io.deviceguard.device.DeviceEnrollment;
import io.deviceguard.platform.PlatformServices;
import io.deviceguard.sdk.DeviceIdentity;
import io.deviceguard.sdk.Simulator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code deviceguard simulate}: a fleet of simulated devices publishing signed telemetry to a running platform. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Run simulated devices against a running platform: each has its own key and certificate",
                "(created on first use in HOME/simulator/), connects over mutual TLS and publishes signed telemetry."})
public final class SimulateCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "10", description = "Simulated devices (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "1", description = "Messages per second per device (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "30s", description = "How long: e.g. 30s, 5m (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "sim-", description = "Device ID prefix (default ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--host", paramLabel = "H", defaultValue = "localhost", description = "Broker host (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--mqtt-port", paramLabel = "N", description = "Broker port (default: deviceguard.mqtt.port)")
    Integer mqttPort;

    @Option(names = "--answer-commands", description = {"Instead of publishing telemetry, stay connected (persistent",
            "sessions) for the duration and answer the platform's commands with the SDK's command handler"})
    boolean answerCommands;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (devices < 1 || devices > 100_000 || rate <= 0 || rate > 1000) {
            throw new IllegalArgumentException("--devices must be 1-100000 and --rate in (0, 1000]");
        }
        Duration d = parseDuration(duration);
        Settings settings = home.settings(Map.of());
        int port = mqttPort != null ? mqttPort : settings.getInt(SettingKeys.MQTT_PORT);
        PrintWriter out = spec.commandLine().getOut();
        List<DeviceIdentity> fleet = prepare(settings, out);
        if (answerCommands) {
            java.security.cert.X509Certificate cert = io.deviceguard.pki.Pem.readCertificate(
                    settings.home().certs().resolve(io.deviceguard.pki.Pki.COMMAND_CERT));
            List<io.deviceguard.sdk.DeviceClient> clients = Simulator.answeringCommands(fleet, host, port, cert, "1.0");
            out.printf("%d of %d devices connected to %s:%d, answering commands for %s%n", clients.size(), devices, host, port, d);
            out.flush();
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            clients.forEach(io.deviceguard.sdk.DeviceClient::close);
            return clients.size() == devices ? 0 : DeviceGuardCommand.EXIT_FAILURE;
        }
        Instant start = Instant.now();
        out.printf("Simulating %d devices at %.2f msg/s each for %s against %s:%d%n", devices, rate, d, host, port);
        out.flush();
        Simulator.Result r = Simulator.run(fleet, host, port, rate, d);
        long rejected;
        try (PlatformServices s = PlatformServices.open(settings, false)) {
            rejected = s.integrityQuarantine().countSince(start, prefix);
        }
        out.printf("devices %d, connected %d, sent %d, acknowledged by the broker %d, failed %d, in %.1f s (%.0f msg/s)%n",
                r.devices(), r.connected(), r.sent(), r.acked(), r.failed(), r.elapsed().toMillis() / 1000.0,
                r.acked() / Math.max(0.001, r.elapsed().toMillis() / 1000.0));
        out.printf("rejected by the platform's integrity checks: %d%n", rejected);
        return r.connected() == r.devices() && r.failed() == 0 && rejected == 0 ? 0 : DeviceGuardCommand.EXIT_FAILURE;
    }

    private List<DeviceIdentity> prepare(Settings settings, PrintWriter out) {
        Path dir = settings.home().root().resolve("simulator");
        List<DeviceIdentity> fleet = new ArrayList<>();
        int created = 0;
        try (PlatformServices s = PlatformServices.open(settings, false)) {
            DeviceEnrollment enrollment = new DeviceEnrollment(s.pki(), s.registry(), s.audit());
            for (int i = 1; i <= devices; i++) {
                String id = String.format("%s%05d", prefix, i);
                Path bundle = dir.resolve(id);
                if (!Files.isRegularFile(bundle.resolve(id + ".key"))) {
                    enrollment.createWithHostKey(id, bundle, Duration.ofDays(365), HostUser.name() + " (simulate)");
                    created++;
                }
                fleet.add(DeviceIdentity.load(bundle, id));
            }
        }
        if (created > 0) {
            out.printf("Created %d simulated devices in %s%n", created, dir);
        }
        return fleet;
    }

    static Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,6})(ms|s|m|h)").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("duration '" + text + "' is not like 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
