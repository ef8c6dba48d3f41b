package io.deviceguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.deviceguard.device.DeviceId;
import io.deviceguard.device.DeviceLifecycle;
import io.deviceguard.platform.PlatformServices;
import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code device revoke|suspend|resume ID}: taking a device off the network. Over the admin API (admin) the live
 * session is closed at once; as a host command (--home) only the registry and CRL change, and a running platform
 * refuses the device's next CONNECT.
 */
final class DeviceStatusCommands {

    private DeviceStatusCommands() {
    }

    /** No broker in a host command: nothing live to close here. */
    static final DeviceLifecycle.LiveSessions NO_BROKER = new DeviceLifecycle.LiveSessions() {
        @Override
        public int disconnect(String clientId, String why) {
            return 0;
        }

        @Override
        public int disconnectIssuedBy(X509Certificate ca, String why) {
            return 0;
        }
    };

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke device ID for good: its live session is closed, its reconnects are refused and its",
                    "certificates are listed in the CRL (certs/crl.pem, GET /api/v1/crl)."})
    static final class Revoke implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "ID")
        String id;
        @Option(names = "--reason", paramLabel = "TEXT", required = true, description = "Why (kept in the audit trail)")
        String reason;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return change(spec, home, id, "revoke", Map.of("reason", reason),
                    l -> l.revoke(id, reason, HostUser.name(), Map.of("via", "host")));
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true,
            description = "Suspend device ID: its live session is closed and it is refused until 'device resume ID'.")
    static final class Suspend implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "ID")
        String id;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return change(spec, home, id, "suspend", null, l -> l.suspend(id, HostUser.name(), Map.of("via", "host")));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a suspended device ID connect again.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        HomeOption home;
        @Parameters(index = "0", paramLabel = "ID")
        String id;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return change(spec, home, id, "resume", null, l -> l.resume(id, HostUser.name(), Map.of("via", "host")));
        }
    }

    private static int change(CommandSpec spec, HomeOption home, String id, String action, Object body,
                              java.util.function.Function<DeviceLifecycle, DeviceLifecycle.Change> host) {
        DeviceId.require(id);
        PrintWriter out = spec.commandLine().getOut();
        Optional<ApiClient> api = Connection.api(spec, home);
        if (api.isPresent()) {
            JsonNode r = api.get().post("/api/v1/devices/" + id + "/" + action, body);
            out.printf("Device %s is %s; %d live session(s) closed%n", id, r.path("device").path("status").asText(),
                    r.path("sessionsClosed").asInt());
            return 0;
        }
        try (PlatformServices s = PlatformServices.open(home.settings(Map.of()), false)) {
            DeviceLifecycle.Change c = host.apply(new DeviceLifecycle(s.pki(), s.registry(), s.certificates(), s.audit(),
                    NO_BROKER));
            out.printf("Device %s is %s (host command: a running platform refuses its next connect; log in and use the"
                    + " API to close a live session at once)%n", id, c.device().status());
            return 0;
        } catch (DeviceLifecycle.NoSuchDeviceException | IllegalStateException e) {
            throw new CliFailure(e.getMessage());
        }
    }
}
