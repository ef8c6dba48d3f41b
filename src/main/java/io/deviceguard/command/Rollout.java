package io.deviceguard.command;

/**
 * How a command reaches its devices: at most {@code ratePerMinute} sends a minute (null: as fast as the broker takes
 * them), and an abort when more than {@code abortFailurePct} percent of the results are failures once at least
 * {@code abortMinResults} results are in (null: never).
 */
public record Rollout(Integer ratePerMinute, Integer abortFailurePct, Integer abortMinResults) {

    public static final Rollout UNLIMITED = new Rollout(null, null, null);

    /** Parses {@code --rate 100/min}. */
    public static Integer parseRate(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})/(min|s)").matcher(text.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) == 0) {
            throw new IllegalArgumentException("rate '" + text + "' is not N/min or N/s with N > 0 (e.g. 100/min)");
        }
        int n = Integer.parseInt(m.group(1));
        return m.group(2).equals("s") ? n * 60 : n;
    }

    /** Parses {@code --abort-at 10%:20} into {percent, minimum results}. */
    public static int[] parseAbort(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,3})%:([0-9]{1,6})").matcher(text.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) > 100 || Integer.parseInt(m.group(2)) == 0) {
            throw new IllegalArgumentException("abort threshold '" + text
                    + "' is not P%:N (abort when more than P percent of at least N results are failures, e.g. 10%:20)");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    boolean shouldAbort(int results, int failures) {
        return abortFailurePct != null && abortMinResults != null && results >= abortMinResults
                && failures * 100L > (long) abortFailurePct * results;
    }
}
