package dev.goloom.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Event counters with one writer at a time (a P's owner M, or an M itself) and racy readers ({@code stats()}).
 * The writer increments with plain stores (no fence on the hot path); readers load each slot opaquely, so a
 * snapshot may lag by a few events but never sees a torn value (long stores are atomic on the 64-bit JVMs goloom
 * runs on, and opaque loads are not hoisted out of loops). Named after HdrHistogram's {@code SingleWriterRecorder}.
 */
final class SingleWriterCounters {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[Counter.COUNT];

    /** Writer only. */
    void inc(Counter c) {
        counts[c.ordinal()]++;
    }

    /** Writer only. */
    void add(Counter c, long n) {
        counts[c.ordinal()] += n;
    }

    /** Any thread: opaque load of one counter. */
    long get(Counter c) {
        return (long) SLOT.getOpaque(counts, c.ordinal());
    }

    /** Any thread: adds every counter into {@code totals} (indexed by {@link Counter#ordinal()}). */
    void addTo(long[] totals) {
        for (int i = 0; i < totals.length; i++) {
            totals[i] += (long) SLOT.getOpaque(counts, i);
        }
    }
}
