package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Thread.interrupt()} of goroutines blocked in the JDK's various ways, on goloom. */
class InterruptTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("interrupt", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    /** What the interrupted goroutine observed. */
    private static final class Outcome {
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final AtomicBoolean statusAfter = new AtomicBoolean(true);
        final AtomicBoolean reachedEnd = new AtomicBoolean();
    }

    private static Outcome interruptWhileBlocked(Thread.State blockedState, Goroutines.Body block) throws Exception {
        Goroutines g = new Goroutines(s);
        Outcome o = new Outcome();
        Thread t = g.go(() -> {
            try {
                block.run();
            } catch (Throwable e) {
                o.thrown.set(e);
            }
            o.statusAfter.set(Thread.currentThread().isInterrupted());
            o.reachedEnd.set(true);
        });
        Goroutines.awaitState(t, blockedState, Duration.ofSeconds(10));
        t.interrupt();
        assertThat(t.join(Duration.ofSeconds(10))).as("interrupted goroutine ended").isTrue();
        g.assertClean(1);
        assertThat(o.reachedEnd.get()).isTrue();
        return o;
    }

    @Test
    void interruptingAParkedGoroutineReturnsFromParkWithStatusSet() throws Exception {
        Outcome o = interruptWhileBlocked(Thread.State.WAITING, () -> {
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park();
            }
        });
        assertThat(o.thrown.get()).isNull();
        assertThat(o.statusAfter.get()).as("interrupt status stays set after park").isTrue();
    }

    @Test
    void interruptingASleepingGoroutineThrowsAndClearsStatus() throws Exception {
        Outcome o = interruptWhileBlocked(Thread.State.TIMED_WAITING, () -> Thread.sleep(60_000));
        assertThat(o.thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(o.statusAfter.get()).as("InterruptedException clears the status").isFalse();
    }

    @Test
    void interruptingAGoroutineInObjectWaitThrows() throws Exception {
        Object monitor = new Object();
        Outcome o = interruptWhileBlocked(Thread.State.WAITING, () -> {
            synchronized (monitor) {
                monitor.wait();
            }
        });
        assertThat(o.thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(o.statusAfter.get()).isFalse();
    }

    @Test
    void interruptingAGoroutineInTimedObjectWaitThrows() throws Exception {
        Object monitor = new Object();
        Outcome o = interruptWhileBlocked(Thread.State.TIMED_WAITING, () -> {
            synchronized (monitor) {
                monitor.wait(60_000);
            }
        });
        assertThat(o.thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void interruptingAGoroutineInConditionAwaitThrows() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        Condition c = lock.newCondition();
        Outcome o = interruptWhileBlocked(Thread.State.WAITING, () -> {
            lock.lock();
            try {
                c.await();
            } finally {
                lock.unlock();
            }
        });
        assertThat(o.thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void interruptingAGoroutineInBlockingQueueTakeAndLatchAwaitThrows() throws Exception {
        LinkedBlockingQueue<Integer> q = new LinkedBlockingQueue<>();
        assertThat(interruptWhileBlocked(Thread.State.WAITING, q::take).thrown.get())
                .isInstanceOf(InterruptedException.class);
        CountDownLatch never = new CountDownLatch(1);
        assertThat(interruptWhileBlocked(Thread.State.TIMED_WAITING, () -> never.await(60, TimeUnit.SECONDS))
                .thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void interruptingAGoroutineJoiningAnotherThrows() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread forever = Go.go(s, () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Outcome o = interruptWhileBlocked(Thread.State.WAITING, forever::join);
            assertThat(o.thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat(forever.isAlive()).isTrue();
        } finally {
            release.countDown();
        }
        assertThat(forever.join(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void interruptSentFromAnotherGoroutine() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread sleeper = g.go(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                thrown.set(e);
            }
        });
        Thread interrupter = g.go(() -> {
            Goroutines.awaitState(sleeper, Thread.State.TIMED_WAITING, Duration.ofSeconds(10));
            sleeper.interrupt();
        });
        assertThat(interrupter.join(Duration.ofSeconds(10))).isTrue();
        assertThat(sleeper.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(2);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void interruptBeforeBlockingIsSeenAtOnce() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptedFlagKept = new AtomicBoolean();
        Thread t = g.go(() -> {
            Thread.currentThread().interrupt();
            LockSupport.park(); // returns at once: interrupted
            interruptedFlagKept.set(Thread.currentThread().isInterrupted());
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                thrown.set(e);
            }
            assertThat(Thread.interrupted()).isFalse();
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(interruptedFlagKept.get()).isTrue();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }
}
