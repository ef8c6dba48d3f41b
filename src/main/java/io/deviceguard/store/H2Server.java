package io.deviceguard.store;

import io.deviceguard.config.ConfigException;
import io.deviceguard.pki.SecretFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.h2.tools.Server;

/**
 * Serves the platform's H2 file to host commands while the platform runs. H2's AUTO_SERVER would do this too, but
 * it insists on closing the database from its own JVM shutdown hook, which races the platform's orderly stop and
 * loses the last audit rows; here the platform decides when the database closes. The server listens on loopback
 * only, on an ephemeral port written to {@code HOME/data/h2.server} (0600), and refuses connections from other
 * hosts (no {@code -tcpAllowOthers}).
 */
final class H2Server implements AutoCloseable {

    private static final String PORT_FILE = "h2.server";
    private static final String DB_NAME = "deviceguard";

    private final Server server;
    private final Path portFile;

    private H2Server(Server server, Path portFile) {
        this.server = server;
        this.portFile = portFile;
    }

    /**
     * The H2 file itself. WRITE_DELAY=0: H2 otherwise keeps committed changes in memory for up to half a second, and a
     * process killed in that time (kill -9, OOM killer, power to the JVM only) loses rows the platform had already
     * acted on: a message acknowledged to the broker as handled, audit rows a later head record or checkpoint vouches for.
     */
    static String embeddedUrl(Path data) {
        return "jdbc:h2:file:" + data.resolve(DB_NAME) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    }

    /** The running platform's server if it answers, else the file itself. */
    static String urlForHostCommand(Path data) {
        Path portFile = data.resolve(PORT_FILE);
        if (Files.isRegularFile(portFile)) {
            try {
                int port = Integer.parseInt(Files.readString(portFile, StandardCharsets.US_ASCII).trim());
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                }
                return "jdbc:h2:tcp://127.0.0.1:" + port + "/" + data.resolve(DB_NAME) + ";IFEXISTS=TRUE";
            } catch (IOException | NumberFormatException e) {
                // a platform that crashed left the file behind: open the database directly
            }
        }
        return embeddedUrl(data);
    }

    static H2Server start(Path data, String password) {
        try {
            Server server = Server.createTcpServer("-tcpPort", "0", "-ifExists", "-tcpPassword", password).start();
            Path portFile = data.resolve(PORT_FILE);
            SecretFiles.writeOwnerOnly(portFile, Integer.toString(server.getPort()).getBytes(StandardCharsets.US_ASCII));
            return new H2Server(server, portFile);
        } catch (SQLException | IOException e) {
            throw new ConfigException("cannot start the loopback database server for host commands: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.stop();
        try {
            Files.deleteIfExists(portFile);
        } catch (IOException ignored) {
            // a stale port file is detected by the next host command
        }
    }
}
