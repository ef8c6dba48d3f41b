package io.deviceguard.testing;

import io.deviceguard.cli.CliEnvironment;
import io.deviceguard.cli.DeviceGuardCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Runs the command line in this JVM with its own config folder (the CLI session) and standard input. */
public final class CliRunner {

    private final Path configDir;

    public CliRunner(Path configDir) {
        this.configDir = configDir;
    }

    /** Exit code and what the command printed. */
    public record Result(int exit, String out, String err) {
    }

    public Result run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> vars = new java.util.HashMap<>(TestDatabase.environment(null, java.util.List.of(args)));
        vars.put(CliEnvironment.CONFIG_DIR, configDir.toString());
        CliEnvironment env = new CliEnvironment(vars,
                new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)), null);
        int exit = DeviceGuardCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), env, args).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    public Path sessionFile() {
        return configDir.resolve("session");
    }
}
