package dev.goloom.scheduler;

import java.util.Locale;

/**
 * An immutable distribution of nanosecond latencies: the schedule latency of a {@link GoScheduler} (the time from
 * a goroutine becoming runnable to a carrier starting to run it), as {@link SchedulerMetrics#scheduleLatency()}
 * reports it. Go's {@code /sched/latencies:seconds}.
 *
 * <p>Values sit in log-linear buckets: exact below 16 ns, then 16 buckets per power of two. So
 * {@link #percentileNanos} returns the upper end of the bucket holding that rank, at most 6.25% above the exact
 * value and never above {@link #maxNanos()}; {@link #maxNanos()} and {@link #meanNanos()} are exact (of the values
 * recorded). Totals are cumulative since the scheduler was built; {@link #since} gives one interval.
 */
public final class LatencyDistribution {
    private static final LatencyDistribution EMPTY =
            new LatencyDistribution(new long[SingleWriterHistogram.BUCKETS], 0, 0);

    private final long[] counts;
    private final long count;
    private final long sum;
    private final long max;

    /** Takes ownership of {@code counts} (length {@link SingleWriterHistogram#BUCKETS}). */
    LatencyDistribution(long[] counts, long sum, long max) {
        if (counts.length != SingleWriterHistogram.BUCKETS) {
            throw new IllegalArgumentException("counts must have " + SingleWriterHistogram.BUCKETS
                    + " buckets, got " + counts.length);
        }
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        this.counts = counts;
        this.count = n;
        this.sum = n == 0 ? 0 : sum;
        this.max = n == 0 ? 0 : max;
    }

    /** A distribution with no values. */
    static LatencyDistribution empty() {
        return EMPTY;
    }

    /** How many latencies were recorded (with sampling, 1 in N dispatches: see {@link SchedulerMetrics}). */
    public long count() {
        return count;
    }

    /** The largest latency recorded, in ns; 0 if none. */
    public long maxNanos() {
        return max;
    }

    /** The mean latency in ns, rounded down; 0 if none. */
    public long meanNanos() {
        return count == 0 ? 0 : sum / count;
    }

    /** {@code percentileNanos(50)}. */
    public long p50Nanos() {
        return percentileNanos(50);
    }

    /** {@code percentileNanos(99)}. */
    public long p99Nanos() {
        return percentileNanos(99);
    }

    /**
     * The latency at {@code percentile} (0 to 100) in ns: the upper end of the bucket holding the value of that
     * rank, capped at {@link #maxNanos()}; 0 if nothing was recorded.
     *
     * @throws IllegalArgumentException if {@code percentile} is not in [0, 100] (NaN included)
     */
    public long percentileNanos(double percentile) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + percentile);
        }
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percentile / 100 * count));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(SingleWriterHistogram.highestOf(i), max);
            }
        }
        return max;
    }

    /**
     * The values recorded after {@code earlier}, an older snapshot of the same scheduler: bucket counts and the sum
     * subtracted. The interval's exact max is not known: it is this snapshot's max if the interval has values in
     * its bucket, else the upper end of the interval's highest non-empty bucket.
     *
     * @throws IllegalArgumentException if {@code earlier} is null
     */
    public LatencyDistribution since(LatencyDistribution earlier) {
        if (earlier == null) {
            throw new IllegalArgumentException("earlier must be a LatencyDistribution, got null");
        }
        long[] diff = new long[counts.length];
        int top = -1;
        for (int i = 0; i < counts.length; i++) {
            diff[i] = Math.max(0, counts[i] - earlier.counts[i]);
            if (diff[i] != 0) {
                top = i;
            }
        }
        long m = top < 0 ? 0 : Math.min(SingleWriterHistogram.highestOf(top), max);
        return new LatencyDistribution(diff, Math.max(0, sum - earlier.sum), m);
    }

    /** {@code n=1234 p50=12.0us p99=310us max=2.10ms}. */
    @Override
    public String toString() {
        return "n=" + count + " p50=" + formatNanos(p50Nanos()) + " p99=" + formatNanos(p99Nanos())
                + " max=" + formatNanos(max);
    }

    /** {@code 850ns}, {@code 12.3us}, {@code 4.56ms}, {@code 1.20s}: three significant digits at most. */
    static String formatNanos(long nanos) {
        if (nanos < 1_000) {
            return nanos + "ns";
        }
        double v;
        String unit;
        if (nanos < 1_000_000) {
            v = nanos / 1e3;
            unit = "us";
        } else if (nanos < 1_000_000_000) {
            v = nanos / 1e6;
            unit = "ms";
        } else {
            v = nanos / 1e9;
            unit = "s";
        }
        String f = v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, f, v) + unit;
    }
}
