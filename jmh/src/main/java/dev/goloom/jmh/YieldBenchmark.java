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

import java.util.concurrent.TimeUnit;

/**
 * Thread.yield round-robin: {@value #GOROUTINES} virtual threads each call {@code Thread.yield()}
 * {@value #YIELDS} times; the score is wall time per yield over all of them (one unmount, requeue and remount,
 * with every core busy). On goloom a yield goes to the back of the global queue (Go's {@code Gosched}), on the JDK
 * to its ForkJoinPool's queues.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class YieldBenchmark {
    static final int YIELDS = 2_000;
    /** Virtual threads yielding at once: 2 per core on the 2-core reference machine keeps every P busy. */
    static final int GOROUTINES = 4;

    @Param({"goloom", "jdk"})
    public String scheduler;

    private Session session;

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.parse(scheduler).open("goloom-yield");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.reportAndClose();
    }

    @Benchmark
    @OperationsPerInvocation(GOROUTINES * YIELDS)
    public void yieldRoundRobin() {
        Thread[] ts = new Thread[GOROUTINES];
        for (int g = 0; g < GOROUTINES; g++) {
            ts[g] = session.threads().newThread(() -> {
                for (int i = 0; i < YIELDS; i++) {
                    Thread.yield();
                }
            });
        }
        for (Thread t : ts) {
            t.start();
        }
        for (Thread t : ts) {
            Session.join(t);
        }
    }
}
