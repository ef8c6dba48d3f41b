package io.deviceguard.cli;

import io.deviceguard.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code deviceguard}: the platform's command line. */
@Command(name = "deviceguard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The security layer between connected devices and their cloud: MQTT over mutual TLS, "
                + "a device registry, and a tamper-evident audit trail.",
        subcommands = {RunCommand.class, DeviceCommand.class, AuditCommand.class, QuarantineCommand.class,
                SimulateCommand.class, CommandLine.HelpCommand.class})
public final class DeviceGuardCommand {

    /** Exit code of a configuration error (sysexits EX_CONFIG). */
    public static final int EXIT_CONFIG = 78;
    /** Exit code of a failed operation. */
    public static final int EXIT_FAILURE = 1;

    public static int execute(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new DeviceGuardCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println("deviceguard: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof IllegalArgumentException || e instanceof io.deviceguard.device.DeviceRegistry.RegistryException) {
                commandLine.getErr().println("deviceguard: " + e.getMessage());
                return EXIT_FAILURE;
            }
            commandLine.getErr().println("deviceguard: " + e);
            return EXIT_FAILURE;
        });
        return cl;
    }
}
