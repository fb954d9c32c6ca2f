package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.Chans;
import dev.goloom.channels.testing.TestSupport;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Select timeouts on goloom are woken by the scheduler's timers, not the JDK's unparker threads. */
class SelectTimersTest {

    @Test
    void selectTimeoutsAndAfterCasesOnGoloomRunOnTheSchedulersTimers() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("select-timers").build()) {
            long before = s.stats().timersRun();
            AtomicInteger timedOut = new AtomicInteger();
            AtomicInteger afterWon = new AtomicInteger();
            Thread t = GoVirtualThreads.ofVirtual(s).start(() -> {
                Chan<Integer> never = Chan.make();
                try {
                    for (int i = 0; i < 5; i++) {
                        if (new Select().recv(never).select(Duration.ofMillis(2)) == Select.TIMED_OUT) {
                            timedOut.incrementAndGet();
                        }
                        if (Select.of().recv(never).recv(Chans.after(Duration.ofMillis(2))).select() == 1) {
                            afterWon.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            TestSupport.join(t);
            assertThat(timedOut).hasValue(5);
            assertThat(afterWon).hasValue(5);
            assertThat(s.stats().timersRun() - before).isGreaterThanOrEqualTo(10);
        }
    }
}
