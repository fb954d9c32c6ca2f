package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SingleWriterHistogram}'s buckets and single-writer snapshots, and {@link LatencyDistribution}'s math. */
class LatencyHistogramTest {

    private static LatencyDistribution snapshot(SingleWriterHistogram h) {
        long[] b = new long[SingleWriterHistogram.BUCKETS];
        h.addTo(b);
        return new LatencyDistribution(b, h.loSum(), h.loMax());
    }

    @Test
    void everyValueLandsInABucketThatHoldsItAndBucketsTileTheRange() {
        for (int b = 1; b < SingleWriterHistogram.BUCKETS; b++) {
            assertThat(SingleWriterHistogram.lowestOf(b)).as("bucket %d starts where %d ends", b, b - 1)
                    .isEqualTo(SingleWriterHistogram.highestOf(b - 1) + 1);
        }
        long[] probes = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 1_000, 1_023, 1_024, 123_456_789, (1L << 39) + 5,
                (1L << 40) - 1, 1L << 40, Long.MAX_VALUE};
        for (long v : probes) {
            int b = SingleWriterHistogram.bucketOf(v);
            assertThat(v).as("value %d in bucket %d", v, b)
                    .isBetween(SingleWriterHistogram.lowestOf(b), SingleWriterHistogram.highestOf(b));
            if (b >= SingleWriterHistogram.SUB_BUCKETS && b < SingleWriterHistogram.BUCKETS - 1) {
                long width = SingleWriterHistogram.highestOf(b) - SingleWriterHistogram.lowestOf(b) + 1;
                assertThat(width * 16).as("bucket %d at most 1/16 of its values wide", b)
                        .isLessThanOrEqualTo(SingleWriterHistogram.lowestOf(b));
            }
        }
        assertThat(SingleWriterHistogram.bucketOf(-5)).isZero();
        assertThat(SingleWriterHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(SingleWriterHistogram.BUCKETS - 1);
    }

    @Test
    void percentilesAreWithinABucketOfTheExactValueAndNeverAboveMax() {
        SingleWriterHistogram h = new SingleWriterHistogram();
        for (long v = 1; v <= 10_000; v++) {
            h.record(v * 1_000); // 1 us .. 10 ms
        }
        LatencyDistribution d = snapshot(h);
        assertThat(d.count()).isEqualTo(10_000);
        assertThat(d.maxNanos()).isEqualTo(10_000_000);
        assertThat(d.meanNanos()).isEqualTo(5_000_500);
        assertThat(d.p50Nanos()).isBetween(5_000_000L, 5_000_000L * 17 / 16);
        assertThat(d.p99Nanos()).isBetween(9_900_000L, 10_000_000L);
        assertThat(d.percentileNanos(100)).isEqualTo(10_000_000);
        assertThat(d.percentileNanos(0)).isBetween(1_000L, 1_000L * 17 / 16);
        assertThat(d.toString()).isEqualTo("n=10000 p50=5.24ms p99=9.96ms max=10.0ms");
    }

    @Test
    void anEmptyDistributionIsAllZerosAndBadPercentilesAreRejected() {
        LatencyDistribution d = snapshot(new SingleWriterHistogram());
        assertThat(d.count()).isZero();
        assertThat(d.p99Nanos()).isZero();
        assertThat(d.maxNanos()).isZero();
        assertThat(d.meanNanos()).isZero();
        assertThatThrownBy(() -> d.percentileNanos(100.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percentile must be in [0, 100], got 100.5");
        assertThatThrownBy(() -> d.percentileNanos(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percentile must be in [0, 100], got NaN");
        assertThatThrownBy(() -> d.since(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("earlier must be a LatencyDistribution, got null");
    }

    @Test
    void sinceGivesTheIntervalWithAMaxBoundedByItsHighestBucket() {
        SingleWriterHistogram h = new SingleWriterHistogram();
        h.record(5_000_000); // before: one 5 ms value
        LatencyDistribution before = snapshot(h);
        for (int i = 0; i < 100; i++) {
            h.record(2_000); // the interval: only 2 us values
        }
        LatencyDistribution interval = snapshot(h).since(before);
        assertThat(interval.count()).isEqualTo(100);
        assertThat(interval.meanNanos()).isEqualTo(2_000);
        assertThat(interval.maxNanos()).as("not the 5 ms of before").isBetween(2_000L, 2_000L * 17 / 16);
        assertThat(snapshot(h).since(snapshot(h)).count()).isZero();
    }

    @Test
    void formatsDurationsWithThreeSignificantDigits() {
        assertThat(LatencyDistribution.formatNanos(850)).isEqualTo("850ns");
        assertThat(LatencyDistribution.formatNanos(12_345)).isEqualTo("12.3us");
        assertThat(LatencyDistribution.formatNanos(4_560_000)).isEqualTo("4.56ms");
        assertThat(LatencyDistribution.formatNanos(1_200_000_000)).isEqualTo("1.20s");
        assertThat(LatencyDistribution.formatNanos(310_000)).isEqualTo("310us");
    }

    /**
     * One writer records while a reader takes snapshots: counts never go backwards, and once the writer is done
     * (joined: happens-before) the snapshot holds every value exactly once.
     */
    @Test
    void aReaderSeesMonotoneSnapshotsAndFinallyEveryRecord() throws Exception {
        for (int round = 0; round < 20; round++) {
            SingleWriterHistogram h = new SingleWriterHistogram();
            int n = 200_000;
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = Thread.ofPlatform().start(() -> {
                started.countDown();
                for (int i = 1; i <= n; i++) {
                    h.record(i % 5_000);
                }
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            AtomicReference<String> broken = new AtomicReference<>();
            long last = 0;
            while (writer.isAlive()) {
                long c = snapshot(h).count();
                if (c < last) {
                    broken.set("count went from " + last + " to " + c);
                }
                last = c;
            }
            writer.join();
            assertThat(broken.get()).isNull();
            LatencyDistribution d = snapshot(h);
            assertThat(d.count()).isEqualTo(n);
            assertThat(d.maxNanos()).isEqualTo(4_999);
            long sum = 0;
            for (int i = 1; i <= n; i++) {
                sum += i % 5_000;
            }
            assertThat(d.meanNanos()).isEqualTo(sum / n);
        }
    }
}
