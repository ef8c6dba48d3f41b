package io.deviceguard.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A point in time on the command line: an ISO instant, a UTC date, or an age such as 24h or 7d (that long ago). */
final class TimeArgument {

    private static final Pattern AGE = Pattern.compile("(\\d{1,6})([mhd])");

    private TimeArgument() {
    }

    static Instant parse(String text) {
        Matcher m = AGE.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return Instant.now().minus(d);
        }
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC) : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time: use 2026-11-26, 2026-11-26T10:00:00Z, 30m, 24h or 7d");
        }
    }
}
