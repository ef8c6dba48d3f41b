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
        subcommands = {RunCommand.class, LoginCommand.class, LogoutCommand.class, UserCommand.class, DeviceCommand.class,
                EnrollmentCommand.class, PkiCommand.class,
                AuditCommand.class, QuarantineCommand.class, GroupCommand.class, CommandCommand.class, SimulateCommand.class,
                io.deviceguard.bench.BenchCommand.class, io.deviceguard.bench.StartupArchiveCommand.class,
                CommandLine.HelpCommand.class})
public final class DeviceGuardCommand {

    /** Exit code of a configuration error (sysexits EX_CONFIG). */
    public static final int EXIT_CONFIG = 78;
    /** Exit code of a failed operation. */
    public static final int EXIT_FAILURE = 1;

    private final CliEnvironment environment;

    public DeviceGuardCommand() {
        this(CliEnvironment.system());
    }

    DeviceGuardCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    /** The environment, standard input and terminal the subcommands read. */
    CliEnvironment environment() {
        return environment;
    }

    public static int execute(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, CliEnvironment.system());
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err, CliEnvironment environment) {
        CommandLine cl = new CommandLine(new DeviceGuardCommand(environment));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println("deviceguard: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof IllegalArgumentException || e instanceof io.deviceguard.device.DeviceRegistry.RegistryException
                    || e instanceof CliFailure || e instanceof io.deviceguard.user.AccountException) {
                commandLine.getErr().println("deviceguard: " + e.getMessage());
                return EXIT_FAILURE;
            }
            commandLine.getErr().println("deviceguard: " + e);
            return EXIT_FAILURE;
        });
        return cl;
    }
}
