package dev.goloom.scheduler;

import java.util.Objects;

/**
 * An immutable snapshot of one {@link GoScheduler}'s scheduler metrics, named after Go 1.26's {@code runtime/metrics}
 * {@code /sched/...} entries, plus the schedule latency of its goroutines. Get one with
 * {@link GoScheduler#metrics()}; the same numbers are on the scheduler's MXBean ({@link GoSchedulerMXBean}) and in
 * JFR's {@code goloom.SchedulerStats} event.
 *
 * <h2>How exact</h2>
 * Like Go's, the goroutine counts are approximate: each is read without stopping the scheduler, so they need not
 * add up to {@link #goroutines()}. {@link #goroutines()} and {@link #goroutinesCreated()} are exact counts of
 * what had happened by some moment during the call. The counts are of tasks: a plain {@link Runnable} given to
 * {@code execute} counts as a goroutine while it is live.
 *
 * <h2>Schedule latency</h2>
 * The time from a task becoming runnable ({@code execute}: a start, an unpark, a yield) to a carrier starting it,
 * including the time it spent in run queues and being stolen: Go's {@code /sched/latencies:seconds}. It is
 * measured for a sample of the submissions, 1 in 64 on average by default ({@code latencySampling} in
 * {@link SchedulerConfig.Builder#latencySampling}, {@code -Dgoloom.latencySampling}); each sample costs two clock
 * reads. Totals are since the scheduler was built.
 */
public final class SchedulerMetrics {
    private final String name;
    private final int gomaxprocs;
    private final long goroutines;
    private final long goroutinesCreated;
    private final long runnable;
    private final int running;
    private final int notInGo;
    private final int threads;
    private final LatencyDistribution scheduleLatency;

    SchedulerMetrics(String name, int gomaxprocs, long goroutines, long goroutinesCreated, long runnable,
                     int running, int notInGo, int threads, LatencyDistribution scheduleLatency) {
        this.name = Objects.requireNonNull(name);
        this.gomaxprocs = gomaxprocs;
        this.goroutines = goroutines;
        this.goroutinesCreated = goroutinesCreated;
        this.runnable = runnable;
        this.running = running;
        this.notInGo = notInGo;
        this.threads = threads;
        this.scheduleLatency = Objects.requireNonNull(scheduleLatency);
    }

    /** The scheduler's name. */
    public String name() {
        return name;
    }

    /** Go: {@code /sched/gomaxprocs:threads}, the number of Ps. */
    public int gomaxprocs() {
        return gomaxprocs;
    }

    /**
     * Go: {@code /sched/goroutines:goroutines}. Live goroutines (started, not yet terminated; system goroutines
     * such as the JDK's pollers excluded) plus plain tasks submitted and not yet run.
     */
    public long goroutines() {
        return goroutines;
    }

    /**
     * Go: {@code /sched/goroutines-created:goroutines}. Goroutines started on this scheduler since it was built
     * (a cumulative counter), system goroutines included, plain tasks not.
     */
    public long goroutinesCreated() {
        return goroutinesCreated;
    }

    /**
     * Go: {@code /sched/goroutines/runnable:goroutines}. Tasks ready to run and not running: in the Ps' local
     * queues and runnext slots and in the global queue.
     */
    public long runnable() {
        return runnable;
    }

    /**
     * Go: {@code /sched/goroutines/running:goroutines}. Carriers running a task with a run token; at most
     * {@link #gomaxprocs()}.
     */
    public int running() {
        return running;
    }

    /**
     * Go: {@code /sched/goroutines/waiting:goroutines}: live goroutines neither runnable, running nor
     * {@linkplain #notInGo() not in Go}, that is parked (channels, locks, sleeps, socket I/O, joins). Derived:
     * {@code max(0, goroutines - runnable - running - notInGo)}.
     */
    public long waiting() {
        return Math.max(0, goroutines - runnable - running - notInGo);
    }

    /**
     * Go: {@code /sched/goroutines/not-in-go:goroutines}. Tasks running on a carrier whose P does not hold its
     * run token as a goroutine in Go code would: in {@code Syscall.blocking}, or found blocked by sysmon (file I/O,
     * native calls, pinned parks), or a CPU hog whose token sysmon moved to waiting work (the OS still runs it).
     */
    public int notInGo() {
        return notInGo;
    }

    /** Go: {@code /sched/threads/total:threads}. Carrier threads alive, idle or not (sysmon not counted). */
    public int threads() {
        return threads;
    }

    /** The schedule latency of the sampled tasks since the scheduler was built (see the class comment). */
    public LatencyDistribution scheduleLatency() {
        return scheduleLatency;
    }

    /**
     * One line: {@code METRICS app: gomaxprocs=2 goroutines=10 created=12 runnable=3 running=2 waiting=5
     * not-in-go=0 threads=3 latency=[n=40 p50=12.0us p99=310us max=2.10ms]}.
     */
    @Override
    public String toString() {
        return "METRICS " + name + ": gomaxprocs=" + gomaxprocs + " goroutines=" + goroutines
                + " created=" + goroutinesCreated + " runnable=" + runnable + " running=" + running
                + " waiting=" + waiting() + " not-in-go=" + notInGo + " threads=" + threads
                + " latency=[" + scheduleLatency + "]";
    }
}
