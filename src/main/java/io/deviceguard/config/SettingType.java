package io.deviceguard.config;

import java.util.List;
import java.util.regex.Pattern;

/** How the value of a {@code deviceguard.*} property is checked; the message says what was expected. */
enum SettingType {
    PORT("a TCP port number (1-65535)") {
        @Override
        boolean accepts(String v) {
            return INTEGER.matcher(v).matches() && v.length() < 6 && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= 65535;
        }
    },
    PORT_OR_ZERO("a TCP port number (1-65535), or 0 for any free port") {
        @Override
        boolean accepts(String v) {
            return INTEGER.matcher(v).matches() && v.length() < 6 && Integer.parseInt(v) >= 0 && Integer.parseInt(v) <= 65535;
        }
    },
    POSITIVE_INT("a whole number greater than 0") {
        @Override
        boolean accepts(String v) {
            return INTEGER.matcher(v).matches() && v.length() < 10 && Integer.parseInt(v) > 0;
        }
    },
    HOST("a host name or IP address") {
        @Override
        boolean accepts(String v) {
            return HOSTNAME.matcher(v).matches();
        }
    },
    HOST_LIST("a comma-separated list of host names or IP addresses") {
        @Override
        boolean accepts(String v) {
            return split(v).stream().allMatch(HOSTNAME.asMatchPredicate()) && !split(v).isEmpty();
        }
    },
    HOST_PORT_LIST("a comma-separated list of host:port (port 1-65535), possibly empty") {
        @Override
        boolean accepts(String v) {
            return split(v).stream().allMatch(hp -> {
                int colon = hp.lastIndexOf(':');
                return colon > 0 && HOSTNAME.matcher(hp.substring(0, colon)).matches()
                        && PORT.accepts(hp.substring(colon + 1));
            });
        }
    },
    TLS_PROTOCOLS("a comma-separated list of TLSv1.3 and TLSv1.2 (older protocols are not allowed)") {
        @Override
        boolean accepts(String v) {
            return !split(v).isEmpty() && split(v).stream().allMatch(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2"));
        }
    },
    CIPHER_SUITES("a comma-separated list of TLS 1.3 suites and TLS 1.2 ECDHE suites with AES-GCM or ChaCha20-Poly1305") {
        @Override
        boolean accepts(String v) {
            return !split(v).isEmpty() && split(v).stream().allMatch(AEAD_SUITE.asMatchPredicate());
        }
    },
    TLS_PROVIDER("JDK or OPENSSL") {
        @Override
        boolean accepts(String v) {
            return v.equals("JDK") || v.equals("OPENSSL");
        }
    },
    IDENTIFIER("letters, digits, '.', '_' or '-' (1-64 characters)") {
        @Override
        boolean accepts(String v) {
            return Pattern.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}", v);
        }
    },
    IDENTIFIER_LIST("a comma-separated list of identifiers (letters, digits, '.', '_' or '-'), possibly empty") {
        @Override
        boolean accepts(String v) {
            return split(v).stream().allMatch(Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}").asMatchPredicate());
        }
    },
    BOOLEAN("true or false") {
        @Override
        boolean accepts(String v) {
            return v.equals("true") || v.equals("false");
        }
    },
    TEXT("text") {
        @Override
        boolean accepts(String v) {
            return true;
        }
    };

    private static final Pattern INTEGER = Pattern.compile("[0-9]+");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]{0,252}");
    private static final Pattern AEAD_SUITE =
            Pattern.compile("TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256|ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256))");

    private final String expectation;

    SettingType(String expectation) {
        this.expectation = expectation;
    }

    abstract boolean accepts(String value);

    String expectation() {
        return expectation;
    }

    static List<String> split(String value) {
        return Pattern.compile(",").splitAsStream(value).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
