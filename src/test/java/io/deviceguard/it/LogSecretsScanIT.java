package io.deviceguard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.deviceguard.testing.JarProcess;
import io.deviceguard.testing.TestSecrets;
import io.deviceguard.user.SessionToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No password and no session token ever appears in a log line. Runs after every other test of the build (its own
 * failsafe execution, see pom.xml) and reads everything they logged: the output of each surefire and failsafe test
 * class (platforms run in the test JVM log there) and the output of the packaged jar's runs (target/test-logs). Test
 * passwords all carry {@link TestSecrets#MARKER}; tokens have a recognisable format.
 */
class LogSecretsScanIT {

    private static final List<Path> SOURCES = List.of(Path.of("target", "surefire-reports"),
            Path.of("target", "failsafe-reports"), Path.of("target", "failsafe-reports-postgresql"), JarProcess.LOGS);

    @Test
    void noPasswordAndNoTokenInAnyLogOutputOfTheSuite() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : SOURCES) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(p -> p.getFileName().toString().endsWith("-output.txt") || p.getFileName().toString().endsWith(".log"))
                            .filter(p -> !p.getFileName().toString().contains(LogSecretsScanIT.class.getSimpleName()))
                            .forEach(files::add);
                }
            }
        }
        assertThat(files).as("the log output of the suite's tests (run the whole build: mvn verify)").isNotEmpty();
        List<String> leaks = new ArrayList<>();
        long lines = 0;
        long apiLines = 0;
        for (Path f : files) {
            List<String> content = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < content.size(); i++) {
                String line = content.get(i);
                lines++;
                if (line.contains("ApiResponder - api ") || line.contains("Sessions - user ")) {
                    apiLines++;
                }
                if (line.contains(TestSecrets.MARKER) || TestSecrets.TOKEN.matcher(line).find()
                        || TestSecrets.SCRAPE_TOKEN.matcher(line).find()) {
                    leaks.add(f + ":" + (i + 1) + ": " + (line.length() > 200 ? line.substring(0, 200) : line));
                }
            }
        }
        System.out.printf("LogSecretsScanIT: %d files, %d lines, %d of them about API calls and logins%n",
                files.size(), lines, apiLines);
        assertThat(apiLines).as("the scanned logs cover API calls and logins").isPositive();
        assertThat(leaks).as("log lines holding a test password or a session token").isEmpty();
    }

    @Test
    void theScanRecognisesWhatItLooksFor() {
        assertThat(TestSecrets.TOKEN.matcher("Authorization: Bearer " + SessionToken.generate()).find()).isTrue();
        assertThat(TestSecrets.password()).contains(TestSecrets.MARKER);
        assertThat(TestSecrets.nastyPassword()).contains(TestSecrets.MARKER);
    }
}
