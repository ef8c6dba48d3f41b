package io.deviceguard.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a password from the terminal without echo, or from standard input with {@code --password-stdin} (its first
 * line). Never from an argument: arguments are visible to every user of the machine ({@code ps}) and end up in shell
 * history.
 */
final class PasswordInput {

    private static final int MAX = 4096;

    private PasswordInput() {
    }

    static char[] read(CliEnvironment env, boolean fromStdin, String prompt, boolean confirm) {
        if (fromStdin) {
            char[] p = firstLine(env.stdin());
            if (p.length == 0) {
                throw new CliFailure("--password-stdin: standard input holds no password");
            }
            return p;
        }
        if (env.console() == null) {
            throw new CliFailure("no terminal to ask for the password: pipe it in and add --password-stdin");
        }
        char[] p = env.console().readPassword("%s", prompt);
        if (p == null || p.length == 0) {
            throw new CliFailure("no password given");
        }
        if (confirm) {
            char[] again = env.console().readPassword("Repeat the password: ");
            boolean same = Arrays.equals(p, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(p, '\0');
                throw new CliFailure("the two passwords differ");
            }
        }
        return p;
    }

    private static char[] firstLine(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (buf.size() >= MAX) {
                    throw new CliFailure("--password-stdin: the first line is longer than " + MAX + " bytes");
                }
                buf.write(b);
            }
        } catch (IOException e) {
            throw new CliFailure("cannot read the password from standard input: " + e.getMessage(), e);
        }
        String line = buf.toString(StandardCharsets.UTF_8);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        return line.toCharArray();
    }
}
