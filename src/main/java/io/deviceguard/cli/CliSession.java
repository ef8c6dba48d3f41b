package io.deviceguard.cli;

import io.deviceguard.pki.SecretFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The CLI's login: the API's URL, the CA file that verifies it, the session token and who it belongs to, in
 * {@code CONFIG_DIR/session}, readable by its owner only (0600, in a 0700 folder). A file others could read is
 * refused rather than used: the token in it is as good as the password until it expires.
 */
record CliSession(String url, Path ca, String token, String username, String role, String expiresAt) {

    static final String FILE = "session";

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    static Path file(CliEnvironment env) {
        return env.configDir().resolve(FILE);
    }

    static Optional<CliSession> load(CliEnvironment env) {
        Path f = file(env);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            if (Files.getPosixFilePermissions(f).stream().anyMatch(OTHERS::contains)) {
                throw new CliFailure(f + " may be read by other users, so its session token may be known to them:"
                        + " delete it, log in again, and keep " + f.getParent() + " private");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new CliFailure("cannot read " + f + ": " + e.getMessage(), e);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliFailure("cannot read " + f + ": " + e.getMessage() + " (delete it and log in again)", e);
        }
        for (String key : new String[] {"url", "ca", "token", "username"}) {
            if (p.getProperty(key, "").isBlank()) {
                throw new CliFailure(f + " has no '" + key + "': delete it and log in again");
            }
        }
        return Optional.of(new CliSession(p.getProperty("url"), Path.of(p.getProperty("ca")), p.getProperty("token"),
                p.getProperty("username"), p.getProperty("role", ""), p.getProperty("expiresAt", "")));
    }

    void save(CliEnvironment env) {
        Path f = file(env);
        Properties p = new Properties();
        p.setProperty("url", url);
        p.setProperty("ca", ca.toAbsolutePath().normalize().toString());
        p.setProperty("token", token);
        p.setProperty("username", username);
        p.setProperty("role", role);
        p.setProperty("expiresAt", expiresAt);
        try {
            Path dir = f.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (UnsupportedOperationException e) {
                    Files.createDirectories(dir);
                }
            }
            StringWriter w = new StringWriter();
            p.store(w, "deviceguard CLI session: the token is a secret, keep this file 0600");
            SecretFiles.writeOwnerOnly(f, w.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CliFailure("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    static boolean delete(CliEnvironment env) {
        try {
            return Files.deleteIfExists(file(env));
        } catch (IOException e) {
            throw new CliFailure("cannot delete " + file(env) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "CliSession[" + url + ", " + username + "]";
    }
}
