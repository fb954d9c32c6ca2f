package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helper: starts goroutines on one {@link GoScheduler}, records whether each body really ran on that
 * scheduler, and collects anything a body throws (an exception in a goroutine would otherwise only reach its
 * uncaught-exception handler, not the test).
 *
 * <p>"Ran on goloom" is checked without stacks: inside the body, the thread must be virtual and its
 * {@code toString()} must name the carrier it is mounted on, which for goloom is {@code <schedulerName>-m<N>}
 * (the JDK's {@code VirtualThread.toString()} appends {@code @<carrier name>} while mounted).
 */
final class Goroutines {
    /** A body that may throw checked exceptions (they are collected, then fail the test in {@link #assertClean}). */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    final GoScheduler scheduler;
    private final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger onGoloom = new AtomicInteger();
    private final AtomicInteger offGoloom = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();

    Goroutines(GoScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Starts {@code body} as a goroutine on the scheduler with {@code Go.go}. */
    Thread go(Body body) {
        return Go.go(scheduler, wrap(body));
    }

    /** Wraps {@code body} so that it records where it ran and what it threw. */
    Runnable wrap(Body body) {
        return () -> {
            if (runsOn(scheduler)) {
                onGoloom.incrementAndGet();
            } else {
                offGoloom.incrementAndGet();
            }
            try {
                body.run();
                completed.incrementAndGet();
            } catch (Throwable e) {
                errors.add(e);
            }
        };
    }

    /** Starts {@code n} goroutines, body {@code i -> ...}. */
    List<Thread> goAll(int n, IntBody body) {
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            threads.add(go(() -> body.run(id)));
        }
        return threads;
    }

    @FunctionalInterface
    interface IntBody {
        void run(int i) throws Exception;
    }

    /** Bodies that completed without throwing. */
    int completed() {
        return completed.get();
    }

    /** Fails if any body threw, if any ran off goloom, or if fewer than {@code expected} ran on goloom. */
    void assertClean(int expected) {
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError(errors.size() + " goroutine(s) threw; first: " + errors.peek());
            errors.forEach(e::addSuppressed);
            throw e;
        }
        assertThat(offGoloom.get()).as("goroutine bodies that ran off scheduler '%s'", scheduler.name()).isZero();
        assertThat(onGoloom.get()).as("goroutine bodies that ran on scheduler '%s'", scheduler.name())
                .isEqualTo(expected);
        assertThat(completed.get()).as("goroutine bodies that completed").isEqualTo(expected);
    }

    /** True if the calling code is a virtual thread mounted on a carrier of {@code s}. */
    static boolean runsOn(GoScheduler s) {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            return false;
        }
        String carrier = carrierName();
        return carrier != null && carrierPattern(s).matcher(carrier).matches();
    }

    /** The name of the carrier under the calling virtual thread, from {@code VirtualThread.toString()}. */
    static String carrierName() {
        String s = Thread.currentThread().toString(); // VirtualThread[#22,name]/runnable@carrier-name
        int slash = s.lastIndexOf("]/");
        int at = s.indexOf('@', slash < 0 ? 0 : slash);
        return at < 0 ? null : s.substring(at + 1);
    }

    static Pattern carrierPattern(GoScheduler s) {
        return Pattern.compile(Pattern.quote(s.name()) + "-m\\d+");
    }

    /** Names of the live platform threads that are carriers of {@code s}. */
    static List<String> liveCarriers(GoScheduler s) {
        Pattern p = carrierPattern(s);
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> p.matcher(n).matches()).toList();
    }

    /** Joins every thread, each within what is left of {@code timeout}; fails naming the first one still alive. */
    static void joinAll(List<Thread> threads, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = Math.max(1, deadline - System.nanoTime());
            assertThat(t.join(Duration.ofNanos(left))).as("%s ended within %s", t, timeout).isTrue();
        }
    }

    /**
     * Waits (bounded) until {@code t} reaches {@code state}, for example WAITING once it parked. Polls the thread
     * state; the test's outcome never depends on how long this takes.
     */
    static void awaitState(Thread t, Thread.State state, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (t.getState() != state) {
            assertThat(System.nanoTime() - deadline).as("%s reached %s within %s (now %s)", t, state, timeout,
                    t.getState()).isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** A scheduler for one test class. */
    static GoScheduler newScheduler(String name, int procs) {
        return GoScheduler.builder().maxProcs(procs).name(name).build();
    }

    /** Ends a test class's scheduler, bounded: nothing the tests started may still be running. */
    static void closeScheduler(GoScheduler s) throws InterruptedException {
        s.shutdown();
        if (!s.awaitTermination(Duration.ofSeconds(10))) {
            int n = s.shutdownNow();
            throw new AssertionError("scheduler '" + s.name() + "' still had " + n
                    + " live goroutine(s) after the tests: " + s.stats().schedtrace());
        }
    }
}
