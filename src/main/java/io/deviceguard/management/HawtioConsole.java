package io.deviceguard.management;

import io.deviceguard.config.ConfigException;
import io.deviceguard.user.Role;
import io.deviceguard.user.Sessions;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import javax.security.auth.login.Configuration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpCookie;

/**
 * The Hawtio 4 console: {@code io.hawt:hawtio-war} as a web application at {@code /hawtio}, logging in against the
 * platform's accounts ({@link PlatformLoginModule}, role admin only) with its Jolokia agent held to the access policy
 * ({@code management/jolokia-access.xml} unless {@code deviceguard.management.jolokiaAccess} names another).
 * <p>
 * Hawtio and Jolokia read their settings from {@code hawtio.*} and {@code jolokia.*} system properties; those set here
 * are fixed by the platform (authentication on, JAAS realm, role, no proxy to other agents, the policy file). The
 * JAAS configuration itself is handed to Hawtio's authentication configuration object, never installed JVM-wide.
 */
public final class HawtioConsole {

    static final String CONTEXT_PATH = "/hawtio";
    /** The servlet context attribute where Hawtio keeps its {@code AuthenticationConfiguration}. */
    private static final String AUTH_CONFIG_ATTRIBUTE = "authenticationConfig";

    private HawtioConsole() {
    }

    /** The war named by the setting, or {@code lib/hawtio-war-*.war} beside deviceguard.jar (or target/classes). */
    public static Path locateWar(String configured) {
        if (!configured.isEmpty()) {
            Path p = Path.of(configured);
            if (!Files.isRegularFile(p)) {
                throw new ConfigException("deviceguard.management.hawtioWar: " + p + " is not a file");
            }
            return p;
        }
        try {
            Path code = Path.of(HawtioConsole.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = code.getParent().resolve("lib");
            if (Files.isDirectory(lib)) {
                try (DirectoryStream<Path> wars = Files.newDirectoryStream(lib, "hawtio-war-*.war")) {
                    for (Path w : wars) {
                        return w;
                    }
                }
            }
            return null;
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    static WebAppContext create(Path war, Path workDir, String jolokiaPolicy, int sessionIdleSeconds) throws IOException {
        System.setProperty("hawtio.authenticationEnabled", "true");
        System.setProperty("hawtio.realm", HawtioJaas.REALM);
        System.setProperty("hawtio.roles", Role.ADMIN.label());
        System.setProperty("hawtio.rolePrincipalClasses", ConsolePrincipals.Role.class.getName());
        System.setProperty("hawtio.keycloakEnabled", "false");
        System.setProperty("hawtio.disableProxy", "true");
        System.setProperty("hawtio.noCredentials401", "true");
        System.setProperty("hawtio.authenticationThrottled", "true");
        // a console session ends after as long without use as an admin API session
        System.setProperty("hawtio.sessionTimeout", Integer.toString(sessionIdleSeconds));
        System.setProperty("jolokia.policyLocation", jolokiaPolicy);
        System.setProperty("jolokia.allowDnsReverseLookup", "false");

        Files.createDirectories(workDir);
        WebAppContext app = new WebAppContext();
        app.setContextPath(CONTEXT_PATH);
        app.setWar(war.toString());
        app.setTempDirectory(workDir.toFile());
        app.setTempDirectoryPersistent(false);
        // deviceguard's own logging, JSON and JWT libraries serve the war too; its jars add only Hawtio and Jolokia
        app.setParentLoaderPriority(true);
        app.setThrowUnavailableOnStartupException(true);
        app.addFilter(SourceAddress.class, "/*", EnumSet.of(DispatcherType.REQUEST));
        app.getSessionHandler().setMaxInactiveInterval(sessionIdleSeconds);
        app.getSessionHandler().setSecureCookies(true);
        app.getSessionHandler().setHttpOnly(true);
        app.getSessionHandler().setSameSite(HttpCookie.SameSite.STRICT);
        return app;
    }

    /** After the web application started: point Hawtio's login at the platform's accounts. */
    static void attachLogin(WebAppContext app, Sessions sessions) {
        Object authConfig = app.getServletContext().getAttribute(AUTH_CONFIG_ATTRIBUTE);
        Configuration jaas = new HawtioJaas(sessions, Set.of(Role.ADMIN));
        if (authConfig == null) {
            throw new IllegalStateException("Hawtio's authentication configuration is missing: the console stays closed");
        }
        try {
            // Hawtio's classes live in the war's class loader: reached by reflection, through a JDK type
            authConfig.getClass().getMethod("setConfiguration", Configuration.class).invoke(authConfig, jaas);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot configure Hawtio's login: " + e, e);
        }
    }
}
