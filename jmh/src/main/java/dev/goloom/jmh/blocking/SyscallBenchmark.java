package dev.goloom.jmh.blocking;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.loom.Syscall;
import dev.goloom.scheduler.SchedulerStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The cost of marking a short call with {@link Syscall#blocking(Runnable)} on a goroutine (Go: entersyscall +
 * exitsyscall fast path), against the same call unmarked. Each invocation runs a batch of calls inside one
 * goroutine, so the goroutine's start and join are spread over {@value #BATCH} calls.
 *
 * <p>Run: {@code bench/jmh.sh SyscallBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SyscallBenchmark {
    static final int BATCH = 10_000;

    private Session session;
    long sink;

    @Setup(Level.Trial)
    public void setUp() {
        session = Side.GOLOOM.open("syscall");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        SchedulerStats stats = session.stats();
        System.out.println("\n[stats] " + stats.schedtrace() + " fast=" + stats.syscallFastReacquires());
        session.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long marked() throws InterruptedException {
        long[] acc = new long[1];
        session.start(() -> {
            for (int i = 0; i < BATCH; i++) {
                int k = i;
                Syscall.blocking(() -> {
                    acc[0] += k;
                });
            }
        }).join();
        return acc[0];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long unmarked() throws InterruptedException {
        long[] acc = new long[1];
        session.start(() -> {
            for (int i = 0; i < BATCH; i++) {
                int k = i;
                Runnable call = () -> acc[0] += k;
                call.run();
            }
        }).join();
        return acc[0];
    }
}
