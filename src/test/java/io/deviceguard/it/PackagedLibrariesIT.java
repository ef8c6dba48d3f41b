package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The build puts Bouncy Castle's and ACCP's jars beside deviceguard.jar without their jar signature, which the JVM
 * checked at each start (pom.xml says why). What a user runs must still be each library exactly as Maven resolved it
 * from Maven Central: every class, resource and native library the same, byte for byte, and a multi-release jar still
 * one.
 */
class PackagedLibrariesIT {

    static Stream<Class<?>> oneClassOfEachJar() {
        return Stream.of(org.bouncycastle.asn1.ASN1Object.class, org.bouncycastle.cert.X509v3CertificateBuilder.class,
                org.bouncycastle.asn1.cms.ContentInfo.class, com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneClassOfEachJar")
    void theShippedJarHoldsTheResolvedJarsClassesUnsigned(Class<?> member) throws Exception {
        // the class loads from target/lib (deviceguard.jar's manifest names it, ahead of the local repository)
        Path shipped = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(shipped.getParent().getFileName()).hasToString("lib");
        Path resolved = resolvedByMaven(shipped.getFileName().toString());

        Map<String, Long> original = contents(resolved);
        Map<String, Long> packaged = contents(shipped);

        assertThat(original.keySet()).as("the resolved jar is signed").anyMatch(n -> n.endsWith(".SF"));
        original.keySet().removeIf(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)") || n.equals("META-INF/MANIFEST.MF"));
        packaged.remove("META-INF/MANIFEST.MF");
        assertThat(packaged).as("every entry, by name and CRC-32").isEqualTo(original);
        try (JarFile jar = new JarFile(shipped.toFile()); JarFile fromMaven = new JarFile(resolved.toFile())) {
            assertThat(jar.isMultiRelease()).isEqualTo(fromMaven.isMultiRelease());
            assertThat(jar.getManifest().getEntries()).as("no per-class digests left").isEmpty();
        }
    }

    /** The same jar on the test class path as Maven resolved it (in the local repository). */
    private static Path resolvedByMaven(String fileName) {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Stream.of(classPath.split(java.io.File.pathSeparator)).map(Path::of)
                .filter(p -> p.getFileName().toString().equals(fileName) && !p.getParent().getFileName().toString().equals("lib"))
                .findFirst().orElseThrow(() -> new AssertionError(fileName + " is not on the test class path: " + classPath));
    }

    private static Map<String, Long> contents(Path jar) throws IOException {
        Map<String, Long> entries = new TreeMap<>();
        try (JarFile f = new JarFile(jar.toFile(), false)) {
            f.stream().filter(e -> !e.isDirectory()).forEach(e -> entries.put(e.getName(), e.getCrc()));
        }
        return entries;
    }
}
