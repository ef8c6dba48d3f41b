package io.deviceguard.routes;

import java.util.regex.Pattern;

/** Removes what looks like a secret from text bound for a log line or an audit row. */
public final class Redaction {

    private static final Pattern SECRET = Pattern.compile(
            "(?i)((?:password|passwd|pwd|secret|token|authorization|bearer|keyStorePassword|trustStorePassword)\\s*[=:]\\s*)[^\\s;,&\"']+");

    private Redaction() {
    }

    public static String redact(String text) {
        return text == null ? null : SECRET.matcher(text).replaceAll("$1***");
    }
}
