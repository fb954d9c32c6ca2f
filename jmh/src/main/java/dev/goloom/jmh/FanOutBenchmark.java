package dev.goloom.jmh;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Imbalanced fan-out: one goroutine starts {@value #CHILDREN} short children (about {@code work} x 4 ns of
 * arithmetic each) and waits for all of them; the score is per child. Every child lands on the parent's P first
 * (runnext, then its local ring), so the other carriers only get work by stealing; goloom's trial-end stats line
 * shows the steals. A scheduler that steals well approaches {@code procs}-way parallelism on the children.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class FanOutBenchmark {
    static final int CHILDREN = 10_000;

    @Param({"goloom", "jdk"})
    public String scheduler;

    /** Work per child in ~4 ns units (500 = about 2 us, long enough that stealing pays). */
    @Param({"500"})
    public int work;

    private Session session;
    private final AtomicInteger sink = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.parse(scheduler).open("goloom-fanout");
        if (work < 0) {
            throw new IllegalArgumentException("work must be >= 0, got " + work);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.reportAndClose();
    }

    @Benchmark
    @OperationsPerInvocation(CHILDREN)
    public void fanOut() {
        Thread parent = session.threads().newThread(() -> {
            CountDownLatch done = new CountDownLatch(CHILDREN);
            for (int i = 0; i < CHILDREN; i++) {
                int seed = i;
                session.threads().newThread(() -> {
                    if (BenchSupport.work(seed, work) == 42) {
                        sink.incrementAndGet();
                    }
                    done.countDown();
                }).start();
            }
            try {
                done.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException("fan-out parent interrupted", e);
            }
        });
        parent.start();
        Session.join(parent);
    }
}
