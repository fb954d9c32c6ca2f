package dev.goloom.loom.scheduling;

import dev.goloom.loom.Go;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Where goloom puts virtual threads when they start, are unparked, and yield (Go's runnext and Gosched rules). */
class VirtualThreadPlacementTest {

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(30, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** The example: on one P, a goroutine that starts X1, X2, X3 and then unparks B yields B, X1, X2, X3. */
    @RepeatedTest(20)
    void startsAndUnparksFromAGoroutineRunNextInLifoOrder() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("lifo-vt").build()) {
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch bParked = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(4);
            Thread b = Go.go(s, () -> {
                bParked.countDown();
                LockSupport.park();
                order.add("B");
                done.countDown();
            });
            await(bParked);
            // wait until B has really unmounted (parked), so the unpark below readies it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (b.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(b.getState()).isEqualTo(Thread.State.WAITING);
            Go.go(s, () -> {
                for (String n : new String[] {"X1", "X2", "X3"}) {
                    Thread.ofVirtual().start(() -> { // inherits goloom: this goroutine's scheduler
                        order.add(n);
                        done.countDown();
                    });
                }
                LockSupport.unpark(b);
            });
            await(done);
            assertThat(order).containsExactly("B", "X1", "X2", "X3");
        }
    }

    /** Go: Gosched puts the goroutine on the global queue: it runs after the local work, never from runnext. */
    @Test
    void yieldGoesBehindLocalWork() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("yield-vt").build()) {
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(3);
            long yieldsBefore = s.stats().yields();
            Go.go(s, () -> {
                for (String n : new String[] {"X1", "X2"}) {
                    Thread.ofVirtual().start(() -> {
                        order.add(n);
                        done.countDown();
                    });
                }
                Thread.yield();
                order.add("G");
                done.countDown();
            });
            await(done);
            assertThat(order).containsExactly("X2", "X1", "G");
            assertThat(s.stats().yields() - yieldsBefore).isGreaterThanOrEqualTo(1);
        }
    }

    /** A goroutine started from a platform thread goes to the global queue; one started from a goroutine, to runnext. */
    @Test
    void startFromOutsideGoesGlobalAndFromInsideGoesToRunnext() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("where").build()) {
            var before = s.stats();
            Thread t = GoVirtualThreads.ofVirtual(s).start(() -> {
                Thread child = Thread.ofVirtual().start(() -> { });
                try {
                    child.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(t.join(Duration.ofSeconds(30))).isTrue();
            var after = s.stats();
            assertThat(after.globalPuts() - before.globalPuts()).as("external start").isGreaterThanOrEqualTo(1);
            // the child's start and the parent's wake-up by the child's exit both go to runnext
            assertThat(after.runnextPuts() - before.runnextPuts()).isGreaterThanOrEqualTo(2);
        }
    }
}
