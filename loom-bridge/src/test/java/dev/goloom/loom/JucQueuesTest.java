package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.Exchanger;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java.util.concurrent}'s hand-off queues between goroutines. The JDK's {@code LinkedTransferQueue},
 * {@code SynchronousQueue} and {@code Exchanger} spin before parking unless the carrier shows queued work
 * ({@code ForkJoinWorkerThread.hasKnownQueuedWork}); goloom's carriers always do, so these park at once, as goloom's
 * channels do (docs/adr/0011-juc-waiters-park-at-once.md).
 */
class JucQueuesTest {

    @Test
    void aGoroutineSeesKnownQueuedWorkOnItsCarrier() throws Exception {
        Method known = ForkJoinWorkerThread.class.getDeclaredMethod("hasKnownQueuedWork");
        known.setAccessible(true); // the build opens java.util.concurrent to the tests for this
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("known-work").build()) {
            AtomicBoolean seen = new AtomicBoolean();
            Thread g = Go.go(s, () -> {
                try {
                    seen.set((boolean) known.invoke(null));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(g.join(Duration.ofSeconds(30))).isTrue();
            assertThat(seen.get()).as("ForkJoinWorkerThread.hasKnownQueuedWork() inside a goroutine").isTrue();
        }
    }

    /** Ping-pong through each hand-off queue, every message counted, on one P and on two. */
    @Test
    void pingPongThroughHandOffQueuesCountsEveryMessage() throws Exception {
        for (int procs = 1; procs <= 2; procs++) {
            try (GoScheduler s = GoScheduler.builder().maxProcs(procs).name("juc-" + procs).build()) {
                int rounds = 20_000;
                SynchronousQueue<Long> sq = new SynchronousQueue<>();
                LinkedTransferQueue<Long> ltq = new LinkedTransferQueue<>();
                Exchanger<Long> ex = new Exchanger<>();
                AtomicLong sum = new AtomicLong();
                Thread pong = Go.go(s, () -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            long v = sq.take();
                            ltq.transfer(v + 1);
                            sum.addAndGet(ex.exchange(v));
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread ping = Go.go(s, () -> {
                    try {
                        for (long i = 0; i < rounds; i++) {
                            sq.put(i);
                            long back = ltq.take();
                            if (back != i + 1) {
                                throw new IllegalStateException("round " + i + " got " + back);
                            }
                            sum.addAndGet(ex.exchange(back));
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(ping.join(Duration.ofSeconds(60))).as("ping finished, %d P", procs).isTrue();
                assertThat(pong.join(Duration.ofSeconds(60))).as("pong finished, %d P", procs).isTrue();
                long n = rounds;
                // ping adds what pong offered (i), pong adds what ping offered (i + 1)
                assertThat(sum.get()).as("%d P", procs).isEqualTo(n * (n - 1) / 2 + n * (n + 1) / 2);
            }
        }
    }
}
