package io.deviceguard.platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the start-up time went, phase by phase, for the ready line and the {@code platform/start} audit row: an
 * operator whose node starts slowly sees which part to look at without a profiler.
 */
final class StartupPhases {

    private final List<String> done = new ArrayList<>();
    private long last = System.nanoTime();

    /** Ends the phase running since the previous mark (or since this object was made). */
    void mark(String phase) {
        long now = System.nanoTime();
        done.add(phase + " " + (now - last) / 1_000_000 + " ms");
        last = now;
    }

    @Override
    public String toString() {
        return String.join(", ", done);
    }
}
