package dev.goloom.jmh.chan;

import dev.goloom.jmh.CpuMetered;
import dev.goloom.jmh.support.Session;
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
 * Channel workloads, the same shapes as the Go anchor program's ({@code bench/go/main.go}):
 * <ul>
 *   <li>{@link #pingPong}: two threads exchange a value over two unbuffered channels; one op = one round trip.</li>
 *   <li>{@link #buffered}: one producer, one consumer, capacity 1024; one op = one message.</li>
 *   <li>{@link #fanIn}: 4 x processors producers into one channel of capacity 128, one consumer; one op = one
 *       message.</li>
 * </ul>
 * Each invocation starts fresh threads on the side's scheduler, moves {@value #N} messages and joins them (thread
 * start/join is under 0.1% of an invocation). Elements are one preallocated {@code Integer}, so {@code -prof gc}
 * shows the channel's own allocation. Each measured iteration also prints a {@code [cpu]} line ({@link CpuMetered}):
 * process CPU per operation and cores kept busy, since a side that spins on both cores can win on wall time alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class ChanBenchmark extends CpuMetered {
    static final int N = 20_000;
    private static final Integer ELEM = 42;

    @Param({"goloom@goloom", "goloom@jdk", "jdkq@jdk", "jox@goloom", "jox@jdk"})
    public String impl;

    private Impl side;
    private Session session;
    private int producers;

    @Setup(Level.Trial)
    public void setUp() {
        side = Impl.parse(impl);
        session = side.open("chanbench");
        producers = 4 * Runtime.getRuntime().availableProcessors();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
    }

    @Override
    protected String side() {
        return impl;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void pingPong() {
        countOps(N);
        Impl.Q a = side.newQueue(0);
        Impl.Q b = side.newQueue(0);
        Thread echo = session.start(() -> {
            for (int i = 0; i < N; i++) {
                b.put(a.take());
            }
        });
        Thread main = session.start(() -> {
            for (int i = 0; i < N; i++) {
                a.put(ELEM);
                b.take();
            }
        });
        Session.join(main);
        Session.join(echo);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void buffered() {
        countOps(N);
        Impl.Q c = side.newQueue(1024);
        Thread producer = session.start(() -> {
            for (int i = 0; i < N; i++) {
                c.put(ELEM);
            }
        });
        Thread consumer = session.start(() -> {
            for (int i = 0; i < N; i++) {
                c.take();
            }
        });
        Session.join(producer);
        Session.join(consumer);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void fanIn() {
        countOps(N);
        Impl.Q c = side.newQueue(128);
        int per = N / producers;
        int total = per * producers;
        Thread[] ps = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            ps[p] = session.start(() -> {
                for (int i = 0; i < per; i++) {
                    c.put(ELEM);
                }
            });
        }
        Thread consumer = session.start(() -> {
            for (int i = 0; i < total; i++) {
                c.take();
            }
        });
        for (Thread t : ps) {
            Session.join(t);
        }
        Session.join(consumer);
    }
}
