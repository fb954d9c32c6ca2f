package dev.goloom.loom.scheduling;

import dev.goloom.loom.Go;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where goloom puts virtual threads when they start, are unparked, and yield (Go's runnext and Gosched rules). Every
 * test asserts placement, which the build's randomized-scheduler run varies on purpose, so it skips this class.
 */
@Tag("scheduling-order")
class VirtualThreadPlacementTest {

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(30, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** Go's runnext order: on one P, a goroutine that starts X1, X2, X3 and then unparks B yields B, X1, X2, X3. */
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

    /**
     * Go's runnext steal: a goroutine readied into runnext by one that then keeps the CPU is taken by the idle P
     * after the back-off, long before anything else would move it (sysmon's busy threshold is set to a minute).
     */
    @RepeatedTest(5)
    void aRunnextWhoseReadierKeepsTheCpuIsStolenByTheIdleP() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).blockedThreshold(Duration.ofMinutes(1))
                .name("steal-next").build()) {
            CountDownLatch bParked = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean bRan = new java.util.concurrent.atomic.AtomicBoolean();
            Thread b = Go.go(s, () -> {
                bParked.countDown();
                while (!bRan.get()) {
                    LockSupport.park();
                    bRan.set(true);
                }
            });
            await(bParked);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (b.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long[] spunNanos = new long[1];
            Thread a = Go.go(s, () -> {
                long start = System.nanoTime();
                LockSupport.unpark(b); // B goes to this P's runnext; this goroutine then never gives the P up
                long end = start + TimeUnit.SECONDS.toNanos(20);
                while (!bRan.get() && System.nanoTime() - end < 0) {
                    Thread.onSpinWait();
                }
                spunNanos[0] = System.nanoTime() - start;
            });
            assertThat(a.join(Duration.ofSeconds(30))).isTrue();
            assertThat(bRan.get()).as("B ran while its readier held the CPU").isTrue();
            assertThat(spunNanos[0]).as("B waited for the steal back-off, not for the readier").isLessThan(
                    TimeUnit.SECONDS.toNanos(5));
            assertThat(s.stats().runnextSteals()).isGreaterThanOrEqualTo(1);
        }
    }

    /**
     * The JDK's {@code getStackTrace} of a yielded thread holds it back while it looks, then submits it again from
     * the looking goroutine. It is still a yielded goroutine (Go: Gosched): the global queue, never the looker's
     * runnext, where it would wait for the looker to block (the JDK's {@code GetStackTraceALotWhenPinned} looker
     * spins). On one P, rounds until one look catches the thread in its yield; in each such round the resubmit
     * must be a global put, not a runnext put.
     */
    @Test
    void aYieldedGoroutineResubmittedByAStackTraceGoesToTheGlobalQueue() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("yield-look").build()) {
            int caught = 0;
            for (int round = 0; round < 200 && caught < 20; round++) {
                CountDownLatch yielderReady = new CountDownLatch(1);
                long[] puts = new long[2]; // runnext, global: the looker's deltas across getStackTrace
                boolean[] sawYield = new boolean[1];
                Thread[] yielder = new Thread[1];
                Thread looker = Go.go(s, () -> {
                    yielder[0] = Thread.ofVirtual().unstarted(() -> {
                        yielderReady.countDown(); // readies the looker into this P's runnext
                        Thread.yield();           // to the global queue: the looker runs first
                    });
                    yielder[0].start();
                    try {
                        yielderReady.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    var before = s.stats();
                    StackTraceElement[] st = yielder[0].getStackTrace();
                    var after = s.stats();
                    puts[0] = after.runnextPuts() - before.runnextPuts();
                    puts[1] = after.globalPuts() - before.globalPuts();
                    for (StackTraceElement e : st) {
                        if (e.getClassName().equals("java.lang.Thread") && e.getMethodName().equals("yield")) {
                            sawYield[0] = true;
                        }
                    }
                });
                assertThat(looker.join(Duration.ofSeconds(30))).isTrue();
                assertThat(yielder[0].join(Duration.ofSeconds(30))).isTrue();
                if (sawYield[0]) {
                    caught++;
                    assertThat(puts).as("round %d: runnext and global puts by the look", round).containsExactly(0, 1);
                }
            }
            assertThat(caught).as("looks that caught the thread in its yield").isGreaterThan(0);
        }
    }

    /**
     * A goroutine that readies another into its P's runnext and then blocks its carrier where goloom cannot see it
     * (a pinned monitor enter, the JDK's {@code Starvation} test) will not run that runnext soon: the other carrier
     * takes it without Go's steal back-off, as Go takes a runnext from a P in a syscall. Rounds of that test's shape
     * run until one such steal is counted (almost every round has one); with the back-off taken regardless, none
     * ever is. Every round must also finish: the readied goroutine is the one that releases the monitor.
     */
    @Test
    void aRunnextWhoseReadierBlockedItsCarrierIsTakenWithoutTheBackOff() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("pinned-readier").build()) {
            int rounds = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.stats().runnextStealsFromBlockedCarriers() == 0 && rounds < 2_000
                    && System.nanoTime() - deadline < 0) {
                rounds++;
                Object lock = new Object();
                Thread[] blocker = new Thread[1];
                Thread holder = Go.go(s, () -> {
                    synchronized (lock) {
                        CountDownLatch started = new CountDownLatch(1);
                        blocker[0] = Thread.ofVirtual().start(() -> { // on this P: inherits goloom
                            started.countDown(); // readies the holder into this P's runnext
                            NativePin.run(() -> {
                                synchronized (lock) { // blocks the carrier: pinned, the holder still has the lock
                                    Thread.onSpinWait();
                                }
                            });
                        });
                        try {
                            started.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
                assertThat(holder.join(Duration.ofSeconds(30))).as("round %d: the holder finished", rounds).isTrue();
                assertThat(blocker[0].join(Duration.ofSeconds(30))).as("round %d: the blocked goroutine finished",
                        rounds).isTrue();
            }
            assertThat(s.stats().runnextStealsFromBlockedCarriers())
                    .as("runnexts taken from a blocked carrier without the back-off, in %d rounds", rounds)
                    .isGreaterThan(0);
        }
    }

    /**
     * A hand-off chain (two goroutines readying each other, as in a channel ping-pong) stays on one P: the idle
     * carrier watches it instead of stealing the runnext that keeps turning over (Go would often win that CAS,
     * since the slot holds the same goroutine again, and split the pair across Ps). One warm-up run, then the
     * median of three runs of 200,000 round trips must lose fewer than 1 in 2,000 runnexts to the other P.
     */
    @Test
    void aHandOffChainIsWatchedNotSplitAcrossPs() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("chain").build()) {
            int rounds = 200_000;
            runChain(s, rounds); // warm-up: JIT compiler threads compete for the two cores
            long[] steals = new long[3];
            long watches = 0;
            for (int i = 0; i < steals.length; i++) {
                var before = s.stats();
                runChain(s, rounds);
                var after = s.stats();
                steals[i] = after.runnextSteals() - before.runnextSteals();
                watches += after.handoffWatches() - before.handoffWatches();
            }
            java.util.Arrays.sort(steals);
            assertThat(steals[1]).as("runnext steals per run of the chain (median of 3)").isLessThan(rounds / 2000);
            assertThat(watches).as("the idle carrier watched the chain").isGreaterThan(0);
        }
    }

    /** Two goroutines on {@code s} readying each other through park/unpark, {@code rounds} round trips. */
    private static void runChain(GoScheduler s, int rounds) throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] pair = new Thread[2];
        pair[1] = GoVirtualThreads.ofVirtual(s).unstarted(() -> {
            for (int i = 0; i < rounds; i++) {
                while (turn.get() != 1) {
                    LockSupport.park();
                }
                turn.set(0);
                LockSupport.unpark(pair[0]);
            }
        });
        pair[0] = GoVirtualThreads.ofVirtual(s).unstarted(() -> {
            for (int i = 0; i < rounds; i++) {
                turn.set(1);
                LockSupport.unpark(pair[1]);
                while (turn.get() != 0) {
                    LockSupport.park();
                }
            }
        });
        pair[1].start();
        pair[0].start();
        assertThat(pair[0].join(Duration.ofSeconds(60))).isTrue();
        assertThat(pair[1].join(Duration.ofSeconds(60))).isTrue();
    }
}
