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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A server's hot path without the server: a platform thread (a server's dispatcher or selector) starts virtual
 * threads on the side under test. Nothing here runs on a P when it is submitted, so on goloom every start is an
 * external submission (the global queue and {@code wakep}).
 * <ul>
 *   <li>{@code roundTrip}: start one virtual thread that unparks the submitter, and wait for it. One op is one round
 *       trip through an idle scheduler: the submit, the wake-up of a parked carrier, the start and the wake-up of
 *       the submitter. The latency a request pays when the server is not busy.</li>
 *   <li>{@code burst}: start {@value #BURST} virtual threads that each do {@code work} tokens of CPU work
 *       ({@link Blackhole#consumeCPU}; 500 tokens are about 1 us here), then wait for all of them; one op is one
 *       task. What a selector's batch of ready connections costs, carriers waking and parking around it.</li>
 * </ul>
 * Each iteration prints a {@code [cpu]} line ({@link CpuMetered}): a side that wins by keeping a second core busy
 * shows it there.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_KEY, BenchSupport.ADD_OPENS_VALUE})
public class ExternalSubmitBenchmark extends CpuMetered {
    static final int BURST = 64;

    @Param({"goloom", "jdk"})
    public String scheduler;

    @Param({"500"})
    public int work;

    private Session session;
    private volatile boolean done;
    private final AtomicInteger left = new AtomicInteger();
    private Thread submitter;

    @Override
    protected String side() {
        return scheduler;
    }

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.parse(scheduler).open("goloom-external");
        if (work < 0) {
            throw new IllegalArgumentException("work must be >= 0, got " + work);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.reportAndClose();
    }

    @Benchmark
    public void roundTrip() {
        Thread me = Thread.currentThread();
        done = false;
        session.threads().newThread(() -> {
            done = true;
            LockSupport.unpark(me);
        }).start();
        while (!done) {
            LockSupport.park(this);
        }
        countOps(1);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void burst() {
        submitter = Thread.currentThread();
        left.set(BURST);
        int w = work;
        for (int i = 0; i < BURST; i++) {
            session.threads().newThread(() -> {
                Blackhole.consumeCPU(w);
                if (left.decrementAndGet() == 0) {
                    LockSupport.unpark(submitter);
                }
            }).start();
        }
        while (left.get() != 0) {
            LockSupport.park(this);
        }
        countOps(BURST);
    }
}
