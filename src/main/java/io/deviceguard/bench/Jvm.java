package io.deviceguard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java runtime that starts deviceguard.jar, and the start-up archive that belongs to it. Java 17 to 24 use a
 * class-data-sharing archive ({@code deviceguard.jsa}: classes parsed and verified); Java 25 and later an
 * ahead-of-time cache ({@code deviceguard.aot}, JEP 483/514/515: classes loaded and linked, with method profiles).
 * An archive serves only the JVM build that wrote it, so {@code deviceguard startup-archive} stamps it with that JVM's
 * real path ({@code ARCHIVE.java}); the {@code deviceguard} launcher applies the same rules as {@link #options}.
 */
public record Jvm(Path java, int feature, String version) {

    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"((\\d+)[^\"]*)\"");

    /** The JVM this code runs in. */
    public static Jvm current() {
        return new Jvm(realPath(Path.of(System.getProperty("java.home"), "bin", "java")), Runtime.version().feature(),
                Runtime.version().toString());
    }

    /** The JVM of the {@code java} binary {@code java} (its {@code release} file says which version it is). */
    public static Jvm of(Path java) {
        Path real = realPath(java);
        if (!Files.isExecutable(real)) {
            throw new IllegalArgumentException("no Java runtime at " + java);
        }
        Path release = real.getParent().getParent().resolve("release");
        try {
            Matcher m = RELEASE_VERSION.matcher(Files.readString(release, StandardCharsets.UTF_8));
            if (m.find()) {
                return new Jvm(real, Integer.parseInt(m.group(2)), m.group(1));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot tell the version of " + java + ": no readable " + release, e);
        }
        throw new IllegalArgumentException("cannot tell the version of " + java + ": " + release + " has no JAVA_VERSION");
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }

    /** Whether this JVM uses an ahead-of-time cache (Java 25+) rather than a class-data-sharing archive. */
    public boolean aotCache() {
        return feature >= 25;
    }

    /** The start-up archive this JVM looks for beside {@code jar}. */
    public Path archiveFor(Path jar) {
        return jar.toAbsolutePath().resolveSibling(aotCache() ? "deviceguard.aot" : "deviceguard.jsa");
    }

    /** The stamp beside an archive: the real path of the JVM that wrote it. */
    public static Path stampOf(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".java");
    }

    /** Whether the archive beside {@code jar} was written by this JVM after the jar was built. */
    public boolean hasArchive(Path jar) {
        Path archive = archiveFor(jar);
        try {
            return Files.isRegularFile(archive)
                    && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0
                    && java.toString().equals(Files.readString(stampOf(archive), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return false;
        }
    }

    /** The option that makes this JVM use {@code archive}. */
    public String archiveOption(Path archive) {
        return (aotCache() ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive;
    }

    /**
     * Options every start of deviceguard.jar gets on this JVM: on Java 24 and later, native access for ACCP and
     * netty-tcnative and Netty's use of {@code sun.misc.Unsafe}, which would otherwise print warnings at each start.
     */
    public List<String> baseOptions() {
        List<String> options = new ArrayList<>();
        if (feature >= 24) {
            options.add("--enable-native-access=ALL-UNNAMED");
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        return options;
    }

    /** {@link #baseOptions()} and, with {@code useArchive} and a fresh archive of this JVM, the option that uses it. */
    public List<String> options(Path jar, boolean useArchive) {
        List<String> options = baseOptions();
        if (useArchive && hasArchive(jar)) {
            options.add(archiveOption(archiveFor(jar)));
        }
        return options;
    }

    /** For reports: "Java 25.0.3 (/usr/lib/jvm/...)". */
    public String describe() {
        return "Java " + version + " (" + java + ")";
    }
}
