package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GoScheduler#shutdown()}, {@link GoScheduler#close()} and {@link GoScheduler#shutdownNow()} as seen by
 * goroutines: new starts are rejected with a message naming the scheduler; goroutines already started keep running
 * (their continuations are never rejected) and close() waits for them. Each test builds its own scheduler.
 */
class SchedulerLifecycleTest {

    private static GoScheduler newScheduler(String name) {
        return Goroutines.newScheduler(name, 2);
    }

    @Test
    void startAfterShutdownIsRejectedWithTheSchedulersName() throws Exception {
        GoScheduler s = newScheduler("lc-reject");
        Goroutines g = new Goroutines(s);
        assertThat(g.go(() -> { }).join(Duration.ofSeconds(10))).isTrue();
        s.shutdown();
        assertThat(s.isShutdown()).isTrue();

        AtomicInteger ran = new AtomicInteger();
        Thread unstarted = GoVirtualThreads.ofVirtual(s).unstarted(ran::incrementAndGet);
        assertThatThrownBy(unstarted::start).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("lc-reject");
        assertThatThrownBy(() -> Go.go(s, ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("'lc-reject'");
        ExecutorService ex = GoVirtualThreads.newThreadPerTaskExecutor(s);
        assertThatThrownBy(() -> ex.submit(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class);
        ex.close();
        assertThat(unstarted.join(Duration.ofSeconds(5))).as("a rejected thread does not stay alive").isTrue();
        assertThat(ran.get()).isZero();
        assertThat(s.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThatThrownBy(() -> Go.go(s, ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("'lc-reject'").hasMessageContaining("terminated");
        g.assertClean(1);
    }

    @Test
    void parkedGoroutinesCompleteWhenUnparkedAfterShutdownAndCloseWaitsForThem() throws Exception {
        GoScheduler s = newScheduler("lc-close");
        Goroutines g = new Goroutines(s);
        int n = 20;
        CountDownLatch allParked = new CountDownLatch(n);
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger rejectedInside = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
        Object monitor = new Object();
        List<Thread> threads = g.goAll(n, i -> {
            allParked.countDown();
            switch (i % 3) {
                case 0 -> {
                    while (!release.get()) {
                        LockSupport.park();
                    }
                }
                case 1 -> {
                    synchronized (monitor) {
                        while (!release.get()) {
                            monitor.wait();
                        }
                    }
                }
                default -> {
                    while (!release.get()) {
                        Thread.sleep(1);
                    }
                }
            }
            // After shutdown, a live goroutine still sleeps, yields, locks (all continuations), ...
            Thread.sleep(2);
            Thread.yield();
            synchronized (monitor) {
                monitor.notifyAll();
            }
            // ... but cannot start a new goroutine.
            try {
                Thread.ofVirtual().start(() -> { });
            } catch (RejectedExecutionException e) {
                if (e.getMessage().contains("lc-close")) {
                    rejectedInside.incrementAndGet();
                }
            }
            finished.incrementAndGet();
        });
        assertThat(allParked.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicInteger finishedWhenCloseReturned = new AtomicInteger(-1);
        AtomicReference<Throwable> closeError = new AtomicReference<>();
        Thread closer = Thread.ofPlatform().name("closer").start(() -> {
            try {
                s.close();
                finishedWhenCloseReturned.set(finished.get());
            } catch (Throwable e) {
                closeError.set(e);
            }
        });
        // close() is waiting for the parked goroutines (a bounded check that it has not returned)
        assertThat(closer.join(Duration.ofMillis(300))).as("close() returned with goroutines parked").isFalse();
        assertThat(s.isShutdown()).isTrue();
        assertThat(s.isTerminated()).isFalse();
        assertThat(s.stats().liveGoroutines()).isEqualTo(n);

        release.set(true);
        for (Thread t : threads) {
            LockSupport.unpark(t); // external unpark of a goroutine of a shut-down scheduler: accepted
        }
        synchronized (monitor) {
            monitor.notifyAll();
        }
        assertThat(closer.join(Duration.ofSeconds(20))).as("close() returned once all ended").isTrue();
        assertThat(closeError.get()).isNull();
        assertThat(finishedWhenCloseReturned.get()).isEqualTo(n);
        assertThat(rejectedInside.get()).isEqualTo(n);
        assertThat(s.isTerminated()).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(5));
        g.assertClean(n);
        // the carriers exit once the scheduler terminated
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Goroutines.liveCarriers(s).isEmpty()) {
            assertThat(System.nanoTime()).as("carriers %s exit", Goroutines.liveCarriers(s)).isLessThan(deadline);
            Thread.yield();
        }
    }

    @Test
    void shutdownNowInterruptsParkedGoroutines() throws Exception {
        GoScheduler s = newScheduler("lc-now");
        Goroutines g = new Goroutines(s);
        int n = 30;
        CountDownLatch allBlocked = new CountDownLatch(n);
        AtomicInteger interrupted = new AtomicInteger();
        Object monitor = new Object();
        List<Thread> threads = g.goAll(n, i -> {
            allBlocked.countDown();
            try {
                switch (i % 3) {
                    case 0 -> Thread.sleep(60_000);
                    case 1 -> {
                        synchronized (monitor) {
                            monitor.wait();
                        }
                    }
                    default -> new CountDownLatch(1).await();
                }
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            }
        });
        assertThat(allBlocked.await(10, TimeUnit.SECONDS)).isTrue();
        for (Thread t : threads) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.yield();
            }
        }
        assertThat(s.shutdownNow()).isEqualTo(n);
        assertThat(s.awaitTermination(Duration.ofSeconds(20))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(5));
        g.assertClean(n);
        assertThat(interrupted.get()).isEqualTo(n);
    }

    @Test
    void closeFromAGoroutineOfTheSameSchedulerIsRefused() throws Exception {
        GoScheduler s = newScheduler("lc-self");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Go.go(s, () -> {
            try {
                s.close();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("lc-self");
        assertThat(s.isShutdown()).isFalse();
        s.close();
        assertThat(s.isTerminated()).isTrue();
    }

    @Test
    void interruptedCloseInterruptsGoroutinesAndKeepsWaiting() throws Exception {
        GoScheduler s = newScheduler("lc-intr");
        CountDownLatch parked = new CountDownLatch(1);
        AtomicInteger sawInterrupt = new AtomicInteger();
        Thread g = Go.go(s, () -> {
            parked.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                sawInterrupt.incrementAndGet();
            }
        });
        assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread closer = Thread.ofPlatform().start(() -> {
            s.close();
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        assertThat(closer.join(Duration.ofMillis(100))).isFalse();
        closer.interrupt(); // like ExecutorService.close(): interrupt everything, keep waiting
        assertThat(closer.join(Duration.ofSeconds(20))).isTrue();
        assertThat(g.join(Duration.ofSeconds(5))).isTrue();
        assertThat(sawInterrupt.get()).isEqualTo(1);
        assertThat(interruptKept.get()).isTrue();
        assertThat(s.isTerminated()).isTrue();
    }
}
