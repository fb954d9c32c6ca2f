package dev.goloom.report;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the parts of the {@link Soak} share: the totals, the first failure, and how a goroutine is started. The
 * driver ({@link Soak}) creates one per run and reads it; {@link SoakCells} and {@link SoakCell} write it. Nothing
 * else is shared between cells.
 *
 * <p>Who writes what: {@link #goroutines} is added by {@link #go} at each start (any goroutine); the counters of
 * elements and outcomes are added by a coordinator once its cell has been joined and checked
 * ({@link SoakCell#check}); {@link #interruptsSent} and {@link #earlyCloses} by a coordinator while it disturbs
 * its cell; {@link #doubleCloses} by whoever closes a channel. Every counter is a {@link LongAdder}, so any thread
 * may add and the driver's sums are a moment's view, exact once the runners have been joined.
 */
final class SoakContext {
    // Totals, added by each coordinator once its cell has been checked (goroutines: at each start).
    final LongAdder sends = new LongAdder();
    final LongAdder receives = new LongAdder();
    final LongAdder goroutines = new LongAdder();
    final LongAdder cells = new LongAdder();
    /** Cells checked, by {@link SoakCells.Kind#ordinal()}. */
    final LongAdder[] cellsByKind = newAdders(SoakCells.Kind.values().length);
    final LongAdder interruptsSent = new LongAdder();
    final LongAdder interruptedOps = new LongAdder();
    final LongAdder completedInterrupted = new LongAdder();
    final LongAdder closedSends = new LongAdder();
    final LongAdder earlyCloses = new LongAdder();
    final LongAdder doubleCloses = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder drops = new LongAdder();

    private final ThreadFactory threads;
    /** The first failure reported by anyone (a counting mismatch, a worker's exception); null while all is well. */
    private final AtomicReference<String> failure = new AtomicReference<>();

    /** @param threads makes the soak's goroutines (virtual threads on the soak's goloom scheduler) */
    SoakContext(ThreadFactory threads) {
        this.threads = threads;
    }

    /**
     * Starts {@code body} in a new goroutine and counts the start. A {@link Throwable} escaping the body fails the
     * soak (its stack trace goes to standard error). Any thread may call it.
     */
    Thread go(Body body) {
        Thread t = threads.newThread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                fail(Thread.currentThread() + " threw " + e);
                e.printStackTrace();
            }
        });
        t.start();
        goroutines.increment();
        return t;
    }

    /** Records {@code message} as the soak's failure unless one is recorded already. Any thread may call it. */
    void fail(String message) {
        failure.compareAndSet(null, message);
    }

    /** The first failure recorded, or null. */
    String failure() {
        return failure.get();
    }

    /** Channel operations counted so far: successful sends plus received elements. */
    long ops() {
        return sends.sum() + receives.sum();
    }

    private static LongAdder[] newAdders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** A goroutine body that may be interrupted; the workers never let an interrupt escape. */
    @FunctionalInterface
    interface Body {
        void run() throws InterruptedException;
    }
}
