package io.deviceguard.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The figures the hardening tests measure (lost and duplicated messages, recovery time, heap, latencies), printed
 * and appended to {@code target/hardening-report.md}, so a run leaves a report beside its test results.
 */
public final class HardeningReport {

    private static final Path FILE = Path.of(System.getProperty("hardening.report", "target/hardening-report.md"));

    private HardeningReport() {
    }

    public static synchronized void line(String test, String text) {
        String l = "- " + Instant.now() + " **" + test + "**: " + text;
        System.out.println("HARDENING " + test + ": " + text);
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.writeString(FILE, l + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("hardening report not written: " + e);
        }
    }
}
