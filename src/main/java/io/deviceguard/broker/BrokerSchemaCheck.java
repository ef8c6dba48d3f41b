package io.deviceguard.broker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import javax.xml.transform.dom.DOMSource;
import io.deviceguard.routes.Redaction;
import org.apache.activemq.artemis.utils.XMLUtil;
import org.apache.activemq.artemis.utils.XmlProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * The check of broker.xml against the Artemis schema that Artemis's own parser makes at every start, and that, like
 * Artemis, reports what does not conform in the log without refusing the start. Compiling the schema (250 KB of XSD)
 * took a tenth of the start, for a file that rarely changes: so the check is skipped when the same resolved text
 * already conformed to the same schema. A marker file beside the journal keeps the SHA-256 of both; any edit of
 * broker.xml, of a setting it quotes, or an Artemis upgrade changes it, and a file that does not conform is checked
 * (and reported) again at every start.
 */
final class BrokerSchemaCheck {

    static final String MARKER = "broker-xml.conforms";
    private static final String SCHEMA = "schema/artemis-server.xsd";
    private static final String INCLUDED_SCHEMA = "schema/artemis-configuration.xsd";

    /** What the check found. */
    enum Outcome {
        /** Checked now, and it conforms. */
        CONFORMS,
        /** Not checked: the same text conformed to the same schema before. */
        CONFORMED_BEFORE,
        /** Checked now, and it does not conform (logged, as Artemis does). */
        DOES_NOT_CONFORM
    }

    /** The outcome, and what does not conform as the log says it (null when it conforms). */
    record Checked(Outcome outcome, String problem) {
    }

    private BrokerSchemaCheck() {
    }

    /**
     * Checks {@code root} (parsed from {@code resolvedText}) unless the marker in {@code markerDir} says the same text
     * conformed before. {@code secrets} are the values filled in for placeholders that hold passwords: the schema's
     * messages quote the values they refuse, and none of these may reach the log.
     */
    static Checked check(Element root, String resolvedText, String origin, Path markerDir, Collection<String> secrets) {
        Path marker = markerDir.resolve(MARKER);
        String digest = digest(resolvedText);
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker, StandardCharsets.US_ASCII).strip().equals(digest)) {
                return new Checked(Outcome.CONFORMED_BEFORE, null);
            }
        } catch (IOException e) {
            // unreadable marker: check again
        }
        try {
            XmlProvider.newValidator(XMLUtil.findResource(SCHEMA)).validate(new DOMSource(root));
        } catch (Exception e) {
            String problem = Redaction.redact(String.valueOf(e.getMessage()));
            for (String secret : secrets) {
                if (secret != null && !secret.isEmpty()) {
                    problem = problem.replace(secret, "***");
                }
            }
            log().error("{} does not conform to the Artemis schema: {}", origin, problem);
            return new Checked(Outcome.DOES_NOT_CONFORM, problem);
        }
        try {
            Files.createDirectories(markerDir);
            Files.writeString(marker, digest + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            log().warn("could not write {} ({}): broker.xml is checked against the schema again at the next start", marker,
                    e.getMessage());
        }
        return new Checked(Outcome.CONFORMS, null);
    }

    private static String digest(String resolvedText) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String schema : new String[] {SCHEMA, INCLUDED_SCHEMA}) {
                URL url = XMLUtil.findResource(schema);
                if (url == null) {
                    throw new IllegalStateException(schema + " is missing from the classpath");
                }
                try (InputStream in = url.openStream()) {
                    sha.update(in.readAllBytes());
                }
            }
            sha.update(resolvedText.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot read the Artemis schema: " + e.getMessage(), e);
        }
    }

    private static Logger log() {
        return LoggerFactory.getLogger(BrokerSchemaCheck.class);
    }
}
