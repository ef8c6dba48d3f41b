package io.deviceguard;

import io.deviceguard.cli.DeviceGuardCommand;
import io.deviceguard.crypto.CryptoProviders;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point: the {@code deviceguard} command line. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        // the native crypto provider loads on the other core while picocli reads the command line
        CryptoProviders.installInBackground();
        CommandLine cl = DeviceGuardCommand.commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                io.deviceguard.cli.CliEnvironment.system(), args);
        cl.setExecutionStrategy(parsed -> {
            if (!isRun(parsed)) {
                // every other command runs with the provider in place; run waits for it after opening the database
                CryptoProviders.install();
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        System.exit(cl.execute(args));
    }

    private static boolean isRun(CommandLine.ParseResult parsed) {
        return parsed.hasSubcommand() && "run".equals(parsed.subcommand().commandSpec().name())
                && !parsed.subcommand().hasSubcommand();
    }
}
