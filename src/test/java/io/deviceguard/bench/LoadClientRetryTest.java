package io.deviceguard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bench's devices retry a failed connect as the SDK's devices do (1 s, then doubling up to 5 s) until the round's
 * deadline, and every failed attempt is counted by its cause: a reconnect storm reports how many devices had to try
 * again and why, instead of counting a device that would have come back a moment later as lost.
 */
class LoadClientRetryTest {

    @Test
    void aRefusedDeviceTriesAgainAfterOneSecondThenTwoAndGivesUpAtTheDeadlineWithEveryAttemptCounted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        SslContext tls = SslContextBuilder.forClient().build();
        try (LoadClient client = new LoadClient(1)) {
            long t0 = System.nanoTime();
            // attempts at 0 s, 1 s and 3 s; the next would be at 7 s, past the 5 s deadline
            LoadClient.Retries retries = new LoadClient.Retries(t0 + TimeUnit.SECONDS.toNanos(5));
            CompletableFuture<LoadClient.Conn> f = client.connectRetrying("127.0.0.1", port, tls, "bench-000001", true, null, retries);
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("Connection refused");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).as("gave up after the third attempt, at 3 s").isBetween(2_900L, 6_000L);
            assertThat(retries.failedAttempts.get()).isEqualTo(3);
            assertThat(retries.devicesRetried.get()).as("one device, counted once").isEqualTo(1);
            assertThat(retries.causes()).hasSize(1);
            assertThat(retries.causes().keySet().iterator().next()).contains("Connection refused").doesNotContain("bench-000001");
            assertThat(retries.causes().values().iterator().next()).isEqualTo(3);
        }
    }

    @Test
    void causesAreCountedWithoutTheDeviceNameSoThatLikeFailuresAddUp() {
        LoadClient.Retries r = new LoadClient.Retries(System.nanoTime());
        r.failed(new IllegalStateException("bench-000001: no CONNACK within 30 s"), true);
        r.failed(new java.util.concurrent.CompletionException(new IllegalStateException("bench-000002: no CONNACK within 30 s")), true);
        r.failed(new IllegalStateException("bench-000002: connection closed"), false);
        assertThat(r.causes()).containsExactly(
                org.assertj.core.api.Assertions.entry("IllegalStateException: no CONNACK within 30 s", 2),
                org.assertj.core.api.Assertions.entry("IllegalStateException: connection closed", 1));
        assertThat(r.devicesRetried.get()).isEqualTo(2);
        assertThat(r.failedAttempts.get()).isEqualTo(3);
    }
}
