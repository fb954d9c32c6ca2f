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
 * Spawn and join: each invocation starts {@value #BATCH} virtual threads that do nothing and joins every one;
 * the score is per thread. {@code spawner=goroutine} starts them from a virtual thread of the same scheduler (as
 * Go's main goroutine does: on goloom each start goes to the starter's runnext, Go's {@code newproc});
 * {@code spawner=platform} starts them from the JMH thread (goloom: the global queue).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class SpawnJoinBenchmark {
    static final int BATCH = 10_000;

    @Param({"goloom", "jdk"})
    public String scheduler;

    @Param({"goroutine", "platform"})
    public String spawner;

    private Session session;
    private final Thread[] threads = new Thread[BATCH];
    private static final Runnable NOTHING = () -> { };

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.parse(scheduler).open("goloom-spawn");
        if (!spawner.equals("goroutine") && !spawner.equals("platform")) {
            throw new IllegalArgumentException("spawner must be goroutine or platform, got '" + spawner + "'");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.reportAndClose();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void spawnJoin() {
        if (spawner.equals("platform")) {
            spawnAndJoinAll();
        } else {
            Thread parent = session.threads().newThread(this::spawnAndJoinAll);
            parent.start();
            Session.join(parent);
        }
    }

    private void spawnAndJoinAll() {
        Thread[] ts = threads;
        for (int i = 0; i < BATCH; i++) {
            Thread t = session.threads().newThread(NOTHING);
            t.start();
            ts[i] = t;
        }
        for (int i = 0; i < BATCH; i++) {
            Session.join(ts[i]);
            ts[i] = null;
        }
    }
}
