package dev.goloom.scheduler;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Event counters that any thread may bump (external submitters, sysmon, exiting carriers). Each increment is an
 * atomic add; these events are rare next to the per-P ones in {@link SingleWriterCounters}.
 */
final class SharedCounters {
    private final AtomicLongArray counts = new AtomicLongArray(Counter.COUNT);

    /** Any thread. */
    void inc(Counter c) {
        counts.getAndIncrement(c.ordinal());
    }

    /** Any thread. */
    void add(Counter c, long n) {
        counts.getAndAdd(c.ordinal(), n);
    }

    /** Any thread: adds every counter into {@code totals}. */
    void addTo(long[] totals) {
        for (int i = 0; i < totals.length; i++) {
            totals[i] += counts.get(i);
        }
    }
}
