package io.deviceguard.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free loopback ports for servers under test.
 *
 * <p>Ports come from 20000–32767, below Linux's ephemeral range (32768–60999), which the kernel hands to outgoing
 * connections. A port asked of the kernel with {@code new ServerSocket(0)} comes from that same range: between the
 * probe and the platform's bind, one of the thousands of client connections a test opens could take it (seen in CI as
 * "Address already in use"). Below the range, only another server can; each JVM walks the range from a random start
 * and never hands the same port out twice. Test JVMs running side by side use disjoint slices of the range.
 */
public final class Ports {
    private static final int SLICES = 4;
    private static final int SLICE = (32_767 - 20_000) / SLICES;
    /** Test JVMs that run side by side (failsafe's fork number 1, 2, ...) each take their own slice of the range. */
    private static final int LOW = 20_000 + SLICE * slice(System.getProperty("deviceguard.test.fork"));
    private static final int HIGH = LOW + SLICE;
    private static final AtomicInteger NEXT = new AtomicInteger(LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW));

    private static int slice(String fork) {
        try {
            return Math.floorMod(Integer.parseInt(fork) - 1, SLICES);
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    private Ports() {
    }

    public static int free() {
        for (int tries = 0; tries < HIGH - LOW; tries++) {
            int port = LOW + Math.floorMod(NEXT.getAndIncrement() - LOW, HIGH - LOW);
            if (bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOW + "-" + HIGH);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
