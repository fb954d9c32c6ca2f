package dev.goloom.jmh.blocking;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.scheduler.SchedulerStats;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Progress under blocking: the latency of a short goroutine (start from a platform thread, run, finish) while
 * {@code k} of the {@code maxProcs = cores} carriers are held by goroutines that block or spin:
 * <ul>
 *   <li>{@code fifo}: each blocker loops on a read of a FIFO whose writer sends one byte every 50 ms, so it sits in
 *       file I/O (which the JDK does not unmount) 50 ms at a time, yielding between reads;</li>
 *   <li>{@code spin}: each blocker computes for 50 ms between {@code Thread.yield()}s.</li>
 * </ul>
 * goloom's sysmon moves a blocked or hogging carrier's token to another carrier; the JDK default scheduler has no
 * compensation for file I/O on its carriers and no time slice. JMH's sample mode gives the percentiles; the
 * HdrHistogram line printed at the end of each trial gives p50/p99/max of the same samples in microseconds.
 *
 * <p>Run: {@code bench/jmh.sh ProgressUnderBlocking}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class ProgressUnderBlockingBenchmark {
    private static final long BLOCK_MS = 50;

    @Param({"goloom", "jdk"})
    public String scheduler;

    @Param({"fifo", "spin"})
    public String blocker;

    /** Blocked carriers; 1..maxProcs (the default maxProcs is the number of cores: 2 on the reference machine). */
    @Param({"1", "2"})
    public int k;

    private Session session;
    private volatile boolean stop;
    private final List<Thread> blockers = new ArrayList<>();
    private Thread writer;
    private Path dir;
    private final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        if (k > cores) {
            throw new IllegalArgumentException("k must be <= cores (" + cores + "), got " + k);
        }
        session = Side.parse(scheduler).open("blocking");
        CountDownLatch started = new CountDownLatch(k);
        if (blocker.equals("fifo")) {
            dir = Files.createTempDirectory("goloom-fifo");
            List<Path> fifos = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Path p = dir.resolve("f" + i);
                Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
                if (pr.waitFor() != 0) {
                    throw new IllegalStateException("mkfifo failed for " + p);
                }
                fifos.add(p);
                blockers.add(session.start(() -> {
                    started.countDown();
                    try (FileInputStream in = new FileInputStream(p.toFile())) {
                        while (!stop && in.read() >= 0) {
                            // Each read blocks the carrier until the writer's next byte. The yield gives the
                            // JDK's scheduler a window between reads; without it, with k = cores, the JDK never
                            // runs the short goroutine and this benchmark would hang there.
                            Thread.yield();
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            writer = Thread.ofPlatform().daemon().start(() -> {
                List<FileOutputStream> outs = new ArrayList<>();
                try {
                    for (Path p : fifos) {
                        outs.add(new FileOutputStream(p.toFile()));
                    }
                    while (!stop) {
                        TimeUnit.MILLISECONDS.sleep(BLOCK_MS);
                        for (FileOutputStream o : outs) {
                            o.write(1);
                        }
                    }
                    for (FileOutputStream o : outs) {
                        o.close(); // readers see end of stream
                    }
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
        } else if (blocker.equals("spin")) {
            for (int i = 0; i < k; i++) {
                blockers.add(session.start(() -> {
                    started.countDown();
                    while (!stop) {
                        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BLOCK_MS);
                        while (System.nanoTime() < end) {
                            Thread.onSpinWait();
                        }
                        Thread.yield();
                    }
                }));
            }
        } else {
            throw new IllegalArgumentException("blocker must be fifo or spin, got " + blocker);
        }
        started.await();
    }

    /**
     * One short goroutine: start, run, finish. Waits at most {@value #GIVE_UP_MS} ms: a scheduler that makes no
     * progress at all (the JDK's, with every carrier in file I/O) records the cap instead of hanging the run.
     */
    @Benchmark
    public void shortGoroutine() throws InterruptedException {
        long t0 = System.nanoTime();
        Thread t = session.threads().newThread(() -> { });
        t.start();
        boolean done = t.join(java.time.Duration.ofMillis(GIVE_UP_MS));
        long ns = done ? System.nanoTime() - t0 : TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MS);
        histogram.recordValue(Math.min(ns, histogram.getHighestTrackableValue()));
        if (!done) {
            gaveUp++;
        }
    }

    static final long GIVE_UP_MS = 1_000;
    private long gaveUp;

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        stop = true;
        if (writer != null) {
            writer.join();
        }
        for (Thread b : blockers) {
            b.join();
        }
        System.out.printf("%n[hdr] %s %s k=%d: p50=%.0f us p99=%.0f us max=%.0f us (n=%d, gave up after 1 s: %d)%n",
                scheduler, blocker, k, histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3, histogram.getTotalCount(),
                gaveUp);
        try {
            SchedulerStats stats = session.stats();
            if (stats != null) {
                System.out.println("[hdr] " + stats.schedtrace());
            }
            session.close();
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
    }
}
