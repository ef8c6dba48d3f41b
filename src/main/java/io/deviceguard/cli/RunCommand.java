package io.deviceguard.cli;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.platform.Platform;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code deviceguard run}: starts the platform and runs until stopped (Ctrl-C, SIGTERM). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start the platform: the MQTT/TLS broker, the routes, the HTTPS admin API and the management port.",
                "Any property can also be given as --name=value, e.g. --deviceguard.mqtt.host=127.0.0.1."})
public final class RunCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Option(names = "--mqtt-port", paramLabel = "N", description = "MQTT/TLS port (default 8883)")
    Integer mqttPort;

    @Option(names = "--admin-port", paramLabel = "N", description = "HTTPS admin API port on loopback (default 8443)")
    Integer adminPort;

    @Option(names = "--management-port", paramLabel = "N",
            description = "HTTPS management port on loopback: metrics, health, Hawtio (default 8444; 0 = any free port)")
    Integer managementPort;

    @Unmatched
    List<String> properties = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> props = parseProperties(properties);
        if (mqttPort != null) {
            props.put(SettingKeys.MQTT_PORT, Integer.toString(mqttPort));
        }
        if (adminPort != null) {
            props.put(SettingKeys.API_PORT, Integer.toString(adminPort));
        }
        if (managementPort != null) {
            props.put(SettingKeys.MANAGEMENT_PORT, Integer.toString(managementPort));
        }
        // the hook is in place before the start: a SIGTERM during the start, or right after "ready", still stops the
        // platform in order (added after the start, it failed with "Shutdown in progress" and nothing was closed)
        java.util.concurrent.CompletableFuture<Platform> started = new java.util.concurrent.CompletableFuture<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                // waits for a start in progress; a start that failed has closed what it had started
                started.get().close();
            } catch (java.util.concurrent.ExecutionException e) {
                // nothing to stop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "deviceguard-shutdown"));
        try {
            started.complete(Platform.start(home.settings(props)));
        } catch (RuntimeException | Error e) {
            started.completeExceptionally(e);
            throw e;
        }
        stopped.await();
        return 0;
    }

    static Map<String, String> parseProperties(List<String> args) {
        Map<String, String> props = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 3) {
                throw new ConfigException("unknown argument '" + a + "': properties are given as --name=value");
            }
            props.put(a.substring(2, eq), a.substring(eq + 1));
        }
        return props;
    }
}
