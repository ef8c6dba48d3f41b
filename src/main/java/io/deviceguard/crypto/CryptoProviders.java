package io.deviceguard.crypto;

import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the Amazon Corretto Crypto Provider (ACCP: AWS-LC behind the JCA interfaces) first, so that every ECDSA
 * verify and sign, every ECDH and every digest of the platform, the device SDK and the broker's TLS runs at native
 * speed (P-256 verify ~14,000/s per core against SunEC's ~620 on JDK 17). Where its native library does not load
 * (another OS or CPU, a hardened /tmp), the JDK's providers stay in charge and one log line says so: the platform
 * works the same, only slower. {@code -Ddeviceguard.crypto.accp=false} keeps the JDK's providers (for comparison).
 */
public final class CryptoProviders {

    private static volatile String active;

    private CryptoProviders() {
    }

    /**
     * Starts {@link #install()} on a thread of its own and returns at once. Loading ACCP's native library (and, with the
     * first logger, the logging set-up) takes a few hundred milliseconds of a cold start; the platform opens its
     * database meanwhile and calls {@link #install()}, which waits for this one, before its first cryptographic step.
     */
    public static void installInBackground() {
        if (active != null) {
            return;
        }
        Thread t = new Thread(() -> {
            // the first logger sets up logging (~0.3 s of a cold start): here, beside the main thread, too
            log();
            install();
        }, "deviceguard-crypto-init");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Installs ACCP once per JVM if it loads; returns the name of the first provider afterwards. A call while another
     * thread installs waits for it.
     */
    public static synchronized String install() {
        if (active != null) {
            return active;
        }
        if (!"false".equalsIgnoreCase(System.getProperty("deviceguard.crypto.accp", "true"))) {
            try {
                Class<?> c = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
                Provider accp = (Provider) c.getField("INSTANCE").get(null);
                Throwable error = (Throwable) c.getMethod("getLoadingError").invoke(accp);
                if (error == null) {
                    c.getMethod("install").invoke(null);
                    c.getMethod("assertHealthy").invoke(accp);
                } else {
                    log().info("native crypto (ACCP) not available, using the JDK's providers: {}", error.toString());
                }
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
                Security.removeProvider("AmazonCorrettoCryptoProvider");
                log().info("native crypto (ACCP) not available, using the JDK's providers: {}", String.valueOf(cause));
            }
        }
        active = Security.getProviders()[0].getName();
        return active;
    }

    private static Logger log() {
        return LoggerFactory.getLogger(CryptoProviders.class);
    }

    /** The first JCA provider (after {@link #install()}). */
    public static String first() {
        return Security.getProviders()[0].getName();
    }
}
