package dev.goloom.scheduler;

import java.util.List;

/**
 * An immutable snapshot of a {@link GoScheduler}, in the spirit of Go's {@code GODEBUG=schedtrace}. Counters are
 * totals since the scheduler was built, summed over the per-P counters (each written only by its own carrier), so
 * a snapshot taken while the scheduler runs is consistent per field but not across fields.
 *
 * @param name                      the scheduler's name
 * @param procs                     number of Ps (Go: gomaxprocs)
 * @param idleProcs                 Ps on the idle list (Go: sched.npidle)
 * @param threads                   carrier threads alive, idle or not (Go: mcount)
 * @param idleThreads               carriers parked on the idle-M list (Go: sched.nmidle)
 * @param spinningThreads           carriers looking for work (Go: sched.nmspinning)
 * @param threadsHighWater          the most carriers ever alive at once
 * @param localQueueLengths         per P, tasks in its local ring plus runnext
 * @param globalQueueLength         tasks in the global run queue (Go: sched.runqsize)
 * @param liveGoroutines            goroutines started and not yet terminated (plain tasks: submitted, not yet run)
 * @param runnextPuts               tasks put in a runnext slot (Go: runqput next=true)
 * @param localPuts                 tasks put at the tail of a local ring (including ones kicked out of runnext)
 * @param globalPuts                tasks put on the global queue (external submits, spills, yields, slice ends)
 * @param globalPollsByFairnessTick global polls done because schedtick % 61 == 0 (Go: findRunnable's fairness check)
 * @param globalPolls               other batch polls of the global queue (globrunqget with max = 0)
 * @param steals                    successful steals (Go: runqsteal returning a G)
 * @param tasksStolen               tasks moved by those steals
 * @param runnextSteals             steals that took a victim's runnext
 * @param handoffWatches            steal passes by a spinning carrier that left a busy P's runnext alone because
 *                                  its owner kept refilling it (a hand-off chain such as a channel ping-pong), after
 *                                  which the carrier kept its P and went on watching instead of parking
 * @param sliceEnds                 runnext chains cut because they held a P longer than the time slice
 * @param yields                    {@code Thread.yield()} resubmissions sent to the global queue (Go: Gosched)
 * @param tasksRun                  task runs (continuation segments) executed
 * @param threadParks               times a carrier parked on the idle list (Go: stopm)
 * @param threadUnparks             times a parked carrier was handed a P (Go: startm waking an idle M)
 * @param handoffsSyscall           tokens taken from Ps in an explicit {@code Syscall.blocking} call (Go: retake of a
 *                                  _Psyscall P, or entersyscallblock)
 * @param handoffsBlocked           tokens taken by sysmon from carriers found blocked (in one task for the blocked
 *                                  threshold without burning CPU: file I/O, native calls, pinned parks)
 * @param handoffsBusy              tokens taken by sysmon from carriers hogging the CPU while work waited
 * @param preemptRequests           preempt flags set by sysmon on goroutines that ran a whole slice
 * @param syscallFastReacquires     {@code exitSyscall} calls that kept their token (Go: exitsyscallfast)
 * @param sysmonWakeups             times sysmon woke up (it sleeps 20 us to 10 ms, and indefinitely when all is idle)
 * @param shutdown                  true once shutdown or close began
 * @param terminated                true once every goroutine ended after shutdown
 */
public record SchedulerStats(
        String name,
        int procs,
        int idleProcs,
        int threads,
        int idleThreads,
        int spinningThreads,
        int threadsHighWater,
        List<Integer> localQueueLengths,
        long globalQueueLength,
        long liveGoroutines,
        long runnextPuts,
        long localPuts,
        long globalPuts,
        long globalPollsByFairnessTick,
        long globalPolls,
        long steals,
        long tasksStolen,
        long runnextSteals,
        long handoffWatches,
        long sliceEnds,
        long yields,
        long tasksRun,
        long threadParks,
        long threadUnparks,
        long handoffsSyscall,
        long handoffsBlocked,
        long handoffsBusy,
        long preemptRequests,
        long syscallFastReacquires,
        long sysmonWakeups,
        boolean shutdown,
        boolean terminated) {

    public SchedulerStats {
        localQueueLengths = List.copyOf(localQueueLengths);
    }

    /** One line in the style of Go's schedtrace: {@code SCHED gomaxprocs=2 idleprocs=0 threads=3 ...}. */
    public String schedtrace() {
        StringBuilder sb = new StringBuilder(128);
        sb.append("SCHED ").append(name)
                .append(": gomaxprocs=").append(procs)
                .append(" idleprocs=").append(idleProcs)
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
                .append(" runnext=").append(runnextPuts)
                .append(" local=").append(localPuts)
                .append(" global=").append(globalPuts)
                .append(" tick61=").append(globalPollsByFairnessTick)
                .append(" steals=").append(steals).append('/').append(tasksStolen)
                .append(" runnextsteals=").append(runnextSteals)
                .append(" watches=").append(handoffWatches)
                .append(" parks=").append(threadParks)
                .append(" handoffs=").append(handoffsSyscall).append('/').append(handoffsBlocked).append('/')
                .append(handoffsBusy)
                .append(" preempts=").append(preemptRequests)
                .toString();
    }
}
