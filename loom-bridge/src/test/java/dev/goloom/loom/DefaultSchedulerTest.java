package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code Go.go(Runnable)} runs on the lazily created process-wide {@link GoScheduler#defaultScheduler()}. */
class DefaultSchedulerTest {

    @Test
    void goWithoutASchedulerRunsOnTheDefaultScheduler() throws Exception {
        GoScheduler d = GoScheduler.defaultScheduler();
        assertThat(GoScheduler.defaultScheduler()).isSameAs(d);
        assertThat(d.name()).isEqualTo("goloom");
        AtomicInteger onDefault = new AtomicInteger();
        long before = d.stats().tasksRun();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            threads.add(Go.go(() -> {
                if (Goroutines.runsOn(d)) {
                    onDefault.incrementAndGet();
                }
            }));
        }
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        assertThat(onDefault.get()).isEqualTo(100);
        assertThat(d.stats().tasksRun() - before).isGreaterThanOrEqualTo(100);
        assertThat(d.isShutdown()).isFalse();
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> Go.go(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("task");
        assertThatThrownBy(() -> Go.go(null, () -> { })).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("scheduler");
        assertThatThrownBy(() -> GoVirtualThreads.ofVirtual(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("scheduler");
    }
}
