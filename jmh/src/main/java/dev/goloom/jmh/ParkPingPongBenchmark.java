package dev.goloom.jmh;

import dev.goloom.jmh.support.Baton;
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
 * LockSupport park/unpark ping-pong between two virtual threads (the scheduler's headline number): one operation is
 * one round trip, A unparks B and parks, B unparks A and parks. Each invocation starts a fresh pair that does
 * {@value #ROUND_TRIPS} round trips and joins it, so the two starts and joins cost under 0.1% of the result.
 * On goloom each unpark puts the other thread in the waker's {@code runnext}: the pair ping-pongs on one P
 * without touching a shared queue.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class ParkPingPongBenchmark {
    static final int ROUND_TRIPS = 10_000;

    /** goloom: GoScheduler with maxProcs = available processors; jdk: the JDK default virtual-thread scheduler. */
    @Param({"goloom", "jdk"})
    public String scheduler;

    private Session session;

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.parse(scheduler).open("goloom-pingpong");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.reportAndClose();
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void roundTrip() {
        Baton baton = new Baton();
        Thread[] pair = new Thread[2];
        pair[0] = session.threads().newThread(() -> {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                baton.pass(1, pair[1]);
                baton.await(0);
            }
        });
        pair[1] = session.threads().newThread(() -> {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                baton.await(1);
                baton.pass(0, pair[0]);
            }
        });
        pair[1].start();
        pair[0].start();
        Session.join(pair[0]);
        Session.join(pair[1]);
    }
}
