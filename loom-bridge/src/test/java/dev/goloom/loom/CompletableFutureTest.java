package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code CompletableFuture.get/join} blocking in goroutines, completed by other goroutines, on goloom. */
class CompletableFutureTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("cf", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void getInOneGoroutineCompletedByAnotherForManyPairs() throws Exception {
        int pairs = 2_000;
        Goroutines g = new Goroutines(s);
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            futures.add(new CompletableFuture<>());
        }
        AtomicLong sum = new AtomicLong();
        // all getters first (more blocked in get() than Ps), then the completers
        List<Thread> getters = g.goAll(pairs, i -> sum.addAndGet(futures.get(i).get()));
        List<Thread> completers = g.goAll(pairs, i -> futures.get(i).complete(i));
        Goroutines.joinAll(completers, Duration.ofSeconds(30));
        Goroutines.joinAll(getters, Duration.ofSeconds(30));
        g.assertClean(2 * pairs);
        assertThat(sum.get()).isEqualTo((long) pairs * (pairs - 1) / 2);
    }

    @Test
    void getWithTimeoutTimesOutAndExceptionalCompletionIsReported() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> failing = new CompletableFuture<>();
        Thread t = g.go(() -> {
            try {
                never.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                timeouts.incrementAndGet();
            }
            try {
                failing.get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).hasMessage("boom");
                failures.incrementAndGet();
            }
        });
        Thread failer = g.go(() -> failing.completeExceptionally(new IllegalStateException("boom")));
        Goroutines.joinAll(List.of(t, failer), Duration.ofSeconds(10));
        g.assertClean(2);
        assertThat(timeouts.get()).isEqualTo(1);
        assertThat(failures.get()).isEqualTo(1);
    }

    @Test
    void asyncStagesOnAGoloomExecutorAndJoinFromAPlatformThread() throws Exception {
        AtomicInteger onGoloom = new AtomicInteger();
        AtomicInteger stages = new AtomicInteger();
        try (ExecutorService ex = GoVirtualThreads.newThreadPerTaskExecutor(s)) {
            List<CompletableFuture<Integer>> chain = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                int v = i;
                chain.add(CompletableFuture.supplyAsync(() -> {
                    if (Goroutines.runsOn(s)) {
                        onGoloom.incrementAndGet();
                    }
                    stages.incrementAndGet();
                    return v;
                }, ex).thenApplyAsync(x -> {
                    if (Goroutines.runsOn(s)) {
                        onGoloom.incrementAndGet();
                    }
                    stages.incrementAndGet();
                    return x * 2;
                }, ex));
            }
            long total = CompletableFuture.allOf(chain.toArray(CompletableFuture[]::new))
                    .thenApply(x -> chain.stream().mapToLong(CompletableFuture::join).sum())
                    .get(30, TimeUnit.SECONDS);
            assertThat(total).isEqualTo(2L * 500 * 499 / 2);
        }
        assertThat(stages.get()).isEqualTo(1_000);
        assertThat(onGoloom.get()).isEqualTo(1_000);
        assertThatThrownBy(() -> CompletableFuture.supplyAsync(() -> {
            throw new IllegalArgumentException("bad");
        }, GoVirtualThreads.newThreadPerTaskExecutor(s)).join()).hasCauseInstanceOf(IllegalArgumentException.class);
    }
}
