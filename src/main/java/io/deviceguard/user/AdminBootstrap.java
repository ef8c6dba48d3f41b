package io.deviceguard.user;

import io.deviceguard.config.ConfigException;
import io.deviceguard.config.SettingKeys;
import io.deviceguard.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first start without an admin account. The platform never makes up a password nor creates an account on its own:
 * without a bootstrap password it only says how to create one. With one, from a file only its owner can read
 * (deleted once used) or from {@value #ENV}, it creates the admin named by {@code deviceguard.users.bootstrapAdmin}.
 * Once an enabled admin exists, both sources are ignored: the password is consumed once.
 */
public final class AdminBootstrap {

    public static final String ENV = "DEVICEGUARD_BOOTSTRAP_ADMIN_PASSWORD";
    public static final String DEFAULT_FILE = "bootstrap-admin-password";

    private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private AdminBootstrap() {
    }

    /** What happened, for the platform's start audit row. */
    public enum Outcome { ADMIN_EXISTS, CREATED_FROM_FILE, CREATED_FROM_ENVIRONMENT, NO_ADMIN }

    public static Outcome run(Settings settings, Map<String, String> environment, Accounts accounts) {
        Path file = passwordFile(settings);
        String fromEnv = environment.get(ENV);
        if (accounts.hasEnabledAdmin()) {
            if (fromEnv != null) {
                LOG.warn("{} is set but ignored: an admin account exists. Remove it from the environment.", ENV);
            }
            if (Files.exists(file)) {
                LOG.warn("{} is ignored: an admin account exists. Delete the file.", file);
            }
            return Outcome.ADMIN_EXISTS;
        }
        String name = settings.get(SettingKeys.USERS_BOOTSTRAP_ADMIN);
        if (!Username.isValid(name)) {
            throw new ConfigException("property '" + SettingKeys.USERS_BOOTSTRAP_ADMIN + "' is '" + name + "', expected "
                    + Username.RULE);
        }
        if (Files.exists(file)) {
            create(accounts, name, readOwnerOnly(file), "file " + file);
            try {
                Files.delete(file);
            } catch (IOException e) {
                throw new ConfigException("admin '" + name + "' was created, but " + file + " could not be deleted: "
                        + e.getMessage() + ". Delete it yourself.", e);
            }
            LOG.info("admin account '{}' created from {}; the file is deleted", name, file);
            return Outcome.CREATED_FROM_FILE;
        }
        if (fromEnv != null && !fromEnv.isEmpty()) {
            create(accounts, name, fromEnv.toCharArray(), "environment variable " + ENV);
            LOG.info("admin account '{}' created from {}; it is ignored from now on, remove it from the environment", name, ENV);
            return Outcome.CREATED_FROM_ENVIRONMENT;
        }
        LOG.warn("No admin account exists, so nobody can log in to the admin API. Create one on this host with:\n"
                + "    deviceguard user add NAME --role admin --home {}\n"
                + "(it asks for the password), or put a password in {} (chmod 600) or in the environment variable {}"
                + " and start again.", settings.home().root(), file, ENV);
        return Outcome.NO_ADMIN;
    }

    private static void create(Accounts accounts, String name, char[] password, String origin) {
        try {
            accounts.create(name, Role.ADMIN, password, Actor.system("bootstrap"));
        } catch (AccountException e) {
            String hint = e.reason() == AccountException.Reason.DUPLICATE
                    ? " (the account exists but is no enabled admin: enable it or promote it with the host command"
                    + " 'deviceguard user', or set " + SettingKeys.USERS_BOOTSTRAP_ADMIN + " to another name)" : "";
            throw new ConfigException("cannot create the bootstrap admin '" + name + "' from " + origin + ": "
                    + e.getMessage() + hint, e);
        }
    }

    static Path passwordFile(Settings settings) {
        String configured = settings.getOrDefault(SettingKeys.USERS_BOOTSTRAP_PASSWORD_FILE, "");
        return configured.isEmpty() ? settings.home().root().resolve(DEFAULT_FILE)
                : settings.home().root().resolve(configured);
    }

    private static char[] readOwnerOnly(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new ConfigException(file + " may be read by other users: make it readable by its owner only"
                        + " (chmod 600 " + file + ") and start again");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            // the trailing newline an editor adds is not part of the password; anything else is
            return text.replaceAll("[\r\n]+$", "").toCharArray();
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
