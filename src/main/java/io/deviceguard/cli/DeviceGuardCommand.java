package io.deviceguard.cli;

import io.deviceguard.config.ConfigException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code deviceguard}: the platform's command line. */
@Command(name = "deviceguard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "The security layer between connected devices and their cloud: MQTT over mutual TLS, "
                + "a device registry, and a tamper-evident audit trail.")
public final class DeviceGuardCommand {

    /** The subcommands, in the order of the usage help. */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, LoginCommand.class, LogoutCommand.class,
            UserCommand.class, DeviceCommand.class, EnrollmentCommand.class, PkiCommand.class, AuditCommand.class,
            QuarantineCommand.class, GroupCommand.class, CommandCommand.class, SimulateCommand.class,
            io.deviceguard.bench.BenchCommand.class, io.deviceguard.bench.StartupArchiveCommand.class,
            CommandLine.HelpCommand.class);

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
        return commandLine(out, err, environment, new String[0]);
    }

    /**
     * The command line that is to run {@code args}. When the first argument names a subcommand, only that one is
     * built: picocli reads every option of every command by reflection, which took about 0.5 s of each start of
     * {@code deviceguard run}. Otherwise (no argument, {@code --help}, {@code help}, a typo) the whole tree is built,
     * so the usage help and picocli's "did you mean" list every command.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, CliEnvironment environment, String[] args) {
        CommandLine cl = new CommandLine(new DeviceGuardCommand(environment));
        Class<?> only = args.length == 0 ? null : SUBCOMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0]))
                .findFirst().orElse(null);
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        // after the subcommands: picocli hands these settings only to the subcommands already added
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
