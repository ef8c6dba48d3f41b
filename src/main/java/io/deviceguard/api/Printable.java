package io.deviceguard.api;

/** Untrusted text quoted in a problem detail: bounded, without control characters. */
final class Printable {

    private Printable() {
    }

    static String of(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
