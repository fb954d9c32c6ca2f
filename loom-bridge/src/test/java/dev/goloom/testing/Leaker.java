package dev.goloom.testing;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The goroutines the leak tests start, leaks on purpose among them, and their clean-up: every goroutine started
 * here is joined by {@link #releaseAll()}, every latch from {@link #latch()} counted down first. Waits are bounded
 * by generous deadlines and never timed, for a loaded 2-core machine.
 */
final class Leaker {
    static final Duration WAIT = Duration.ofSeconds(60);

    private final List<Thread> started = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Starts a goroutine on {@code s}; an exception ends it quietly (the tests interrupt and release them). */
    Thread go(GoScheduler s, String name, Body body) {
        Thread t = GoVirtualThreads.ofVirtual(s).name(name).start(() -> {
            try {
                body.run();
            } catch (Exception endedByTheTest) {
                // released or interrupted by releaseAll
            }
        });
        started.add(t);
        return t;
    }

    /** A latch that {@link #releaseAll()} counts down. */
    CountDownLatch latch() {
        CountDownLatch l = new CountDownLatch(1);
        latches.add(l);
        return l;
    }

    /** Leaks a goroutine waiting on a latch until {@link #releaseAll()}, and returns once it waits. */
    Thread leak(GoScheduler s, String name) {
        CountDownLatch l = latch();
        return parked(go(s, name, l::await));
    }

    /** Returns {@code t} once it is parked (WAITING), failing after {@link #WAIT}. */
    static Thread parked(Thread t) {
        await(t.getName() + " parked", () -> t.getState() == Thread.State.WAITING);
        return t;
    }

    /** Releases every latch, then joins every goroutine started here. */
    void releaseAll() throws InterruptedException {
        for (CountDownLatch l : latches) {
            l.countDown();
        }
        for (Thread t : started) {
            assertThat(t.join(WAIT)).as("%s ended", t).isTrue();
        }
        latches.clear();
        started.clear();
    }

    static void await(String what, BooleanSupplier cond) {
        if (!awaitQuietly(cond, WAIT)) {
            fail("timed out waiting for: " + what);
        }
    }

    /** True once {@code cond} holds, false if it did not within {@code limit}; polls without sleeping. */
    static boolean awaitQuietly(BooleanSupplier cond, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }

    /**
     * True if {@code t} is pausing between two looks of {@link GoLeaks#verifyNone}: the check has looked and found
     * something it waits for. The tests release a goroutine at that moment to end it during the check.
     */
    static boolean inSettleWait(Thread t) {
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().equals(GoLeaks.class.getName()) && f.getMethodName().equals("awaitSettle")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts a platform thread that runs {@code release} once {@code checker} is in the settle wait, or after
     * {@code limit}; before that it sets {@code sawTheWait} to whether the check was waiting. Returns that thread.
     */
    static Thread releaseDuringTheCheck(Thread checker, Duration limit, AtomicBoolean sawTheWait, Runnable release) {
        return Thread.ofPlatform().daemon().name("releaser").start(() -> {
            sawTheWait.set(awaitQuietly(() -> inSettleWait(checker), limit));
            release.run();
        });
    }
}
