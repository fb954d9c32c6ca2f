package dev.goloom.jmh;

import dev.goloom.scheduler.GoScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's submit-and-dispatch path alone: two plain tasks on a 1-P goloom scheduler ready each other, so
 * every hop is one {@code execute} into {@code runnext} and one dispatch by the same carrier, with no parking and no
 * second thread. One op is one hop. {@code latencySampling} is the scheduler's schedule-latency sampling (0: off,
 * 64: the default, 1: every task), so the difference between the rows is what measuring the schedule latency costs
 * per submission; the ping-pongs pay it twice per round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class RunnextHopBenchmark {
    static final int HOPS = 100_000;

    @Param({"0", "64", "1"})
    public int latencySampling;

    private GoScheduler scheduler;
    private final Runnable[] pair = new Runnable[2];
    private int left;
    private CountDownLatch done;

    @Setup(Level.Trial)
    public void setUp() {
        scheduler = GoScheduler.builder().maxProcs(1).latencySampling(latencySampling).jmx(false)
                .name("hop").build();
        pair[0] = () -> hop(1);
        pair[1] = () -> hop(0);
    }

    private void hop(int next) {
        if (--left > 0) {
            scheduler.execute(pair[next]);
        } else {
            done.countDown();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scheduler.close();
    }

    @Benchmark
    @OperationsPerInvocation(HOPS)
    public void hop() throws InterruptedException {
        left = HOPS; // execute publishes it to the carrier (the global queue lock); the latch brings the end back
        CountDownLatch d = new CountDownLatch(1);
        done = d;
        scheduler.execute(pair[0]);
        if (!d.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("hops did not finish in 60 s: " + scheduler.stats());
        }
    }
}
