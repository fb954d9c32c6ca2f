package dev.goloom.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A log-linear histogram of nanosecond values with one writer at a time and racy readers: a P's schedule
 * latencies, recorded by the carrier that holds the P and merged by {@link GoScheduler#metrics()}. Named, like
 * {@link SingleWriterCounters}, after HdrHistogram's {@code SingleWriterRecorder}; the bucket layout is
 * HdrHistogram's idea too, at a fixed, small size (goloom has no dependencies at run time).
 *
 * <h2>Buckets</h2>
 * Values below {@value #SUB_BUCKETS} ns have a bucket each. Above, every power of two {@code [2^e, 2^(e+1))} is cut
 * into {@value #SUB_BUCKETS} equal buckets, so a bucket is at most 1/16 (6.25%) of the values in it wide. Values
 * from 2^{@value #MAX_EXPONENT} ns (about 18 minutes) up land in the last bucket; {@link #max} stays exact. That
 * is {@value #BUCKETS} buckets, allocated on the first record (a P that never runs a sampled task costs nothing).
 *
 * <h2>Threading contract</h2>
 * <ul>
 *   <li>{@link #record}: the writer only. For a P's histogram that is the carrier holding the P (its owner M); the
 *       P changes owners only under the sched lock, which orders one owner's writes before the next one's. Plain
 *       stores, no fence: the writer is on the dispatch path.</li>
 *   <li>{@link #addTo}, {@link #loMax}, {@link #loSum}: any thread. An acquire load of the bucket array reference
 *       (published by the writer with a release store, so its zeroed contents are seen), opaque loads of every
 *       slot: a
 *       snapshot may lag by a few records, and count, sum and max may come from different moments, but no value is
 *       torn (64-bit stores are atomic on the JVMs goloom runs on).</li>
 * </ul>
 * Invariant: every slot, {@link #sum} and {@link #max} only grow.
 */
final class SingleWriterHistogram {
    /** log2 of the buckets per power of two. */
    static final int SUB_BITS = 4;
    static final int SUB_BUCKETS = 1 << SUB_BITS;
    /** Values at or above 2^MAX_EXPONENT ns share the last bucket. */
    static final int MAX_EXPONENT = 40;
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 1) * SUB_BUCKETS;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COUNTS;
    private static final VarHandle SUM;
    private static final VarHandle MAX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNTS = l.findVarHandle(SingleWriterHistogram.class, "counts", long[].class);
            SUM = l.findVarHandle(SingleWriterHistogram.class, "sum", long.class);
            MAX = l.findVarHandle(SingleWriterHistogram.class, "max", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Null until the first record. Written once by the writer (release store). */
    private long[] counts;
    /** Sum of every recorded value (for the mean). */
    private long sum;
    /** The largest recorded value. */
    private long max;

    /** The bucket of {@code nanos} (negative values count as 0). Pure; any thread. */
    static int bucketOf(long nanos) {
        if (nanos < SUB_BUCKETS) {
            return nanos <= 0 ? 0 : (int) nanos;
        }
        int exp = 63 - Long.numberOfLeadingZeros(nanos);
        if (exp >= MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        return ((exp - SUB_BITS + 1) << SUB_BITS) + (int) ((nanos >>> (exp - SUB_BITS)) & (SUB_BUCKETS - 1));
    }

    /** The smallest value that lands in {@code bucket}. Pure; any thread. */
    static long lowestOf(int bucket) {
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int exp = (bucket >>> SUB_BITS) + SUB_BITS - 1;
        long sub = SUB_BUCKETS + (bucket & (SUB_BUCKETS - 1));
        return sub << (exp - SUB_BITS);
    }

    /** The largest value that lands in {@code bucket} ({@code Long.MAX_VALUE} for the last). Pure; any thread. */
    static long highestOf(int bucket) {
        return bucket == BUCKETS - 1 ? Long.MAX_VALUE : lowestOf(bucket + 1) - 1;
    }

    /** Records one value. Writer only. */
    void record(long nanos) {
        long[] c = counts;
        if (c == null) {
            c = new long[BUCKETS];
            COUNTS.setRelease(this, c); // pairs with addTo's acquire load: readers see the zeroed array
        }
        c[bucketOf(nanos)]++;
        long v = Math.max(0, nanos);
        sum += v;
        if (v > max) {
            max = v;
        }
    }

    /** Adds every bucket into {@code totals} (length {@link #BUCKETS}). Any thread. */
    void addTo(long[] totals) {
        long[] c = (long[]) COUNTS.getAcquire(this);
        if (c == null) {
            return;
        }
        for (int i = 0; i < BUCKETS; i++) {
            totals[i] += (long) SLOT.getOpaque(c, i);
        }
    }

    /** Any thread. */
    long loSum() {
        return (long) SUM.getOpaque(this);
    }

    /** Any thread. */
    long loMax() {
        return (long) MAX.getOpaque(this);
    }
}
