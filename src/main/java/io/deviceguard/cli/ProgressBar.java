package io.deviceguard.cli;

import java.io.PrintWriter;

/** A one-line progress bar on standard error, redrawn at most once per percent: "checking [#####     ] 50% 5000/10000". */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final int total;
    private int lastPercent = -1;

    ProgressBar(PrintWriter err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(total, 1);
    }

    void step(int done) {
        int percent = (int) (100L * done / total);
        if (percent == lastPercent && done != total) {
            return;
        }
        lastPercent = percent;
        int filled = WIDTH * percent / 100;
        err.printf("\r%-10s [%s%s] %3d%% %d/%d", label, "#".repeat(filled), " ".repeat(WIDTH - filled), percent, done, total);
        if (done >= total) {
            err.println();
        }
        err.flush();
    }
}
