package dev.goloom.scheduler;

import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of a {@link GoScheduler}, in the spirit of Go's {@code GODEBUG=schedtrace}. Counters are
 * totals since the scheduler was built, summed over per-P and per-carrier counters that each have one writer, so
 * a snapshot taken while the scheduler runs is consistent per field but not across fields. Get one with
 * {@link GoScheduler#stats()}; {@link #toString()} is the {@link #schedtrace()} line.
 */
public final class SchedulerStats {
    private final String name;
    private final int procs;
    private final String procsSource;
    private final int freeTokens;
    private final int threads;
    private final int idleThreads;
    private final int spinningThreads;
    private final int threadsHighWater;
    private final List<Integer> localQueueLengths;
    private final long globalQueueLength;
    private final long liveGoroutines;
    private final long[] totals;
    private final boolean shutdown;
    private final boolean terminated;

    SchedulerStats(String name, int procs, String procsSource, int freeTokens, int threads, int idleThreads, int spinningThreads,
                   int threadsHighWater, List<Integer> localQueueLengths, long globalQueueLength,
                   long liveGoroutines, long[] totals, boolean shutdown, boolean terminated) {
        this.name = Objects.requireNonNull(name);
        this.procs = procs;
        this.procsSource = Objects.requireNonNull(procsSource);
        this.freeTokens = freeTokens;
        this.threads = threads;
        this.idleThreads = idleThreads;
        this.spinningThreads = spinningThreads;
        this.threadsHighWater = threadsHighWater;
        this.localQueueLengths = List.copyOf(localQueueLengths);
        this.globalQueueLength = globalQueueLength;
        this.liveGoroutines = liveGoroutines;
        if (totals.length != Counter.COUNT) {
            throw new IllegalArgumentException("totals must have " + Counter.COUNT + " entries, got " + totals.length);
        }
        this.totals = totals.clone();
        this.shutdown = shutdown;
        this.terminated = terminated;
    }

    private long total(Counter c) {
        return totals[c.ordinal()];
    }

    /** The scheduler's name. */
    public String name() {
        return name;
    }

    /** Number of Ps (Go: gomaxprocs) at the time of the snapshot. */
    public int procs() {
        return procs;
    }

    /**
     * Where {@link #procs()} came from: {@code "builder"}, {@code "GOMAXPROCS"}, {@code "goloom.maxprocs"},
     * {@code "cgroup"} (the container's CPU limit), {@code "availableProcessors"} or {@code "setMaxProcs"} (the
     * {@code SchedulerConfig.SOURCE_*} constants).
     */
    public String procsSource() {
        return procsSource;
    }

    /**
     * Free run tokens: how many more Ps could run goroutines right now without a carrier giving one up (Go:
     * {@code sched.npidle}, printed as {@code idleprocs}). Equal to idle Ps, except that a P whose carrier sysmon
     * found blocked has lost its token while its object stays with that carrier.
     */
    public int freeTokens() {
        return freeTokens;
    }

    /** Carrier threads alive, idle or not (Go: mcount). */
    public int threads() {
        return threads;
    }

    /** Carriers parked on the idle-M list (Go: sched.nmidle). */
    public int idleThreads() {
        return idleThreads;
    }

    /** Carriers looking for work (Go: sched.nmspinning). */
    public int spinningThreads() {
        return spinningThreads;
    }

    /** The most carriers ever alive at once. */
    public int threadsHighWater() {
        return threadsHighWater;
    }

    /**
     * Per live P object in id order (spares made by hand-offs included, and Ps a shrink removed whose carriers
     * have not given them up yet), tasks in its local ring plus runnext.
     */
    public List<Integer> localQueueLengths() {
        return localQueueLengths;
    }

    /** Tasks in the global run queue (Go: sched.runqsize). */
    public long globalQueueLength() {
        return globalQueueLength;
    }

    /**
     * Goroutines started and not yet terminated, plus plain tasks submitted and not yet run. A goroutine leaves
     * this count just after it terminates: when {@code join()} on it returns, its carrier may not have removed it
     * yet (as in Go, where {@code runtime.NumGoroutine()} right after {@code wg.Wait()} may still count goroutines
     * that called {@code Done} and are exiting).
     */
    public long liveGoroutines() {
        return liveGoroutines;
    }

    /** Tasks put in a runnext slot (Go: runqput with next=true). */
    public long runnextPuts() {
        return total(Counter.RUNNEXT_PUTS);
    }

    /** Tasks put at the tail of a local ring (including ones kicked out of runnext). */
    public long localPuts() {
        return total(Counter.LOCAL_PUTS);
    }

    /** Tasks put on the global queue: external submissions, spills of full rings, yields, slice ends. */
    public long globalPuts() {
        return total(Counter.GLOBAL_PUTS) + total(Counter.EXTERNAL_GLOBAL_PUTS);
    }

    /** Of {@link #globalPuts()}, tasks submitted by threads that hold no P of this scheduler. */
    public long externalGlobalPuts() {
        return total(Counter.EXTERNAL_GLOBAL_PUTS);
    }

    /** Global polls done because schedtick % 61 == 0 (Go: findRunnable's fairness check). */
    public long globalPollsByFairnessTick() {
        return total(Counter.FAIRNESS_POLLS);
    }

    /** Other batch polls of the global queue (globrunqget with max = 0). */
    public long globalPolls() {
        return total(Counter.GLOBAL_POLLS);
    }

    /** Successful steals (Go: runqsteal returning a G). */
    public long steals() {
        return total(Counter.STEALS);
    }

    /** Tasks moved by those steals. */
    public long tasksStolen() {
        return total(Counter.TASKS_STOLEN);
    }

    /** Steals that took a victim's runnext. */
    public long runnextSteals() {
        return total(Counter.RUNNEXT_STEALS);
    }

    /**
     * Of {@link #runnextSteals()}, those taken without Go's steal back-off because the victim P's carrier was
     * blocked inside its goroutine: the JVM showed the carrier thread BLOCKED or waiting (a pinned virtual thread
     * waiting for a monitor, parked, or in {@code Object.wait}), so its owner would not run the runnext soon. Go
     * takes a runnext from a P in a syscall the same way.
     */
    public long runnextStealsFromBlockedCarriers() {
        return total(Counter.RUNNEXT_STEALS_BLOCKED);
    }

    /**
     * Looks by a spinning carrier that left a busy P's runnext alone because its owner kept refilling it (a
     * hand-off chain such as a channel ping-pong), after which the carrier kept its P and went on watching
     * instead of parking.
     */
    public long handoffWatches() {
        return total(Counter.HANDOFF_WATCHES);
    }

    /** Runnext chains cut because they held a P longer than the time slice. */
    public long sliceEnds() {
        return total(Counter.SLICE_ENDS);
    }

    /** {@code Thread.yield()} resubmissions sent to the global queue (Go: Gosched). */
    public long yields() {
        return total(Counter.YIELDS);
    }

    /** Task runs (continuation segments) executed. */
    public long tasksRun() {
        return total(Counter.TASKS_RUN);
    }

    /** Times a carrier parked on the idle list (Go: stopm). */
    public long threadParks() {
        return total(Counter.THREAD_PARKS);
    }

    /** Times a parked carrier was handed a P (Go: startm waking an idle M). */
    public long threadUnparks() {
        return total(Counter.THREAD_UNPARKS);
    }

    /**
     * Tokens taken from Ps in an explicit {@code Syscall.blocking} call (Go: retake of a _Psyscall P, or
     * entersyscallblock).
     */
    public long handoffsSyscall() {
        return total(Counter.HANDOFFS_SYSCALL);
    }

    /**
     * Tokens taken by sysmon from carriers found blocked (in one task for the blocked threshold without burning
     * CPU: file I/O, native calls, pinned parks).
     */
    public long handoffsBlocked() {
        return total(Counter.HANDOFFS_BLOCKED);
    }

    /** Tokens taken by sysmon from carriers hogging the CPU while work waited. */
    public long handoffsBusy() {
        return total(Counter.HANDOFFS_BUSY);
    }

    /** Preempt flags set by sysmon on goroutines that ran a whole slice. */
    public long preemptRequests() {
        return total(Counter.PREEMPT_REQUESTS);
    }

    /** {@code exitSyscall} calls that kept their token (Go: exitsyscallfast). */
    public long syscallFastReacquires() {
        return total(Counter.SYSCALL_FAST_REACQUIRES);
    }

    /** Times sysmon woke up (it sleeps 20 us to 10 ms, and indefinitely when all is idle). */
    public long sysmonWakeups() {
        return total(Counter.SYSMON_WAKEUPS);
    }

    /**
     * sysmon rounds that failed with an exception or error (typically {@link OutOfMemoryError} while the heap was
     * full) and were retried; the first is logged through {@code System.Logger} "dev.goloom.scheduler".
     */
    public long sysmonFailures() {
        return total(Counter.SYSMON_FAILURES);
    }

    /**
     * Carrier threads that died of an error outside any task (their P and token were given back first, and the
     * error logged); normally 0.
     */
    public long carrierFailures() {
        return total(Counter.CARRIER_FAILURES);
    }

    /**
     * Times sysmon looked for a deadlock (Go: {@code checkdead}): only with deadlock detection on
     * ({@link SchedulerConfig.Builder#deadlock}), at most once per idle spell of the scheduler; 0 with it off.
     */
    public long deadlockChecks() {
        return total(Counter.DEADLOCK_CHECKS);
    }

    /** Deadlocks sysmon reported ({@code all goroutines are asleep - deadlock!}); 0 with detection off. */
    public long deadlocks() {
        return total(Counter.DEADLOCKS);
    }

    /**
     * Scans of the goroutine leak report (one per {@link SchedulerConfig#leakScanInterval()}); 0 with the report
     * off ({@link SchedulerConfig.Builder#leakReport}).
     */
    public long leakScans() {
        return total(Counter.LEAK_SCANS);
    }

    /**
     * Goroutines the garbage collector freed before they terminated: blocked on something nothing reachable could
     * wake (see {@link Goroutines#leaked}); 0 with the leak report off.
     */
    public long leakedGoroutines() {
        return total(Counter.LEAKED_GOROUTINES);
    }

    /** True once shutdown or close began. */
    public boolean shutdown() {
        return shutdown;
    }

    /**
     * Timer actions run by carriers (Go: the timers {@code checkTimers} ran): channel timers ({@code Chans.after},
     * tickers, {@code newTimer}) and the wake-ups of timed channel operations and selects made on goloom.
     */
    public long timersRun() {
        return total(Counter.TIMERS_RUN);
    }

    /**
     * Timers pending in the Ps' heaps right now (a gauge, summed racily over the heaps; Go: the heaps' lengths).
     * Channel timers that became garbage leave the heaps once the garbage collector clears them.
     */
    public long timers() {
        return total(Counter.TIMERS_PENDING);
    }

    /** True once every goroutine ended after shutdown. */
    public boolean terminated() {
        return terminated;
    }

    /** One line in the style of Go's schedtrace: {@code SCHED name: gomaxprocs=2 idleprocs=0 threads=3 ...}. */
    public String schedtrace() {
        StringBuilder sb = new StringBuilder(160);
        sb.append("SCHED ").append(name)
                .append(": gomaxprocs=").append(procs)
                .append(" idleprocs=").append(freeTokens)
                .append(" threads=").append(threads)
                .append(" spinningthreads=").append(spinningThreads)
                .append(" idlethreads=").append(idleThreads)
                .append(" runqueue=").append(globalQueueLength)
                .append(" [");
        for (int i = 0; i < localQueueLengths.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(localQueueLengths.get(i));
        }
        return sb.append("] live=").append(liveGoroutines)
                .append(" runnext=").append(runnextPuts())
                .append(" local=").append(localPuts())
                .append(" global=").append(globalPuts())
                .append(" external=").append(externalGlobalPuts())
                .append(" tick61=").append(globalPollsByFairnessTick())
                .append(" steals=").append(steals()).append('/').append(tasksStolen())
                .append(" runnextsteals=").append(runnextSteals()).append('/').append(runnextStealsFromBlockedCarriers())
                .append(" watches=").append(handoffWatches())
                .append(" parks=").append(threadParks())
                .append(" handoffs=").append(handoffsSyscall()).append('/').append(handoffsBlocked()).append('/')
                .append(handoffsBusy())
                .append(" preempts=").append(preemptRequests())
                .append(" timers=").append(timers()).append('/').append(timersRun())
                .toString();
    }

    /** The {@link #schedtrace()} line. */
    @Override
    public String toString() {
        return schedtrace();
    }
}
