package dev.goloom.scheduler;

/**
 * Every event counter of a scheduler, by who writes it. {@link SchedulerStats} reports their totals; its
 * accessors document what each counts.
 */
enum Counter {
    // ---- per P, written only by the P's owner M (SingleWriterCounters in P)
    RUNNEXT_PUTS,
    LOCAL_PUTS,
    GLOBAL_PUTS,
    FAIRNESS_POLLS,
    GLOBAL_POLLS,
    STEALS,
    TASKS_STOLEN,
    RUNNEXT_STEALS,
    /** Of those, taken without the back-off because the owner's carrier was blocked inside its goroutine. */
    RUNNEXT_STEALS_BLOCKED,
    HANDOFF_WATCHES,
    SLICE_ENDS,
    YIELDS,
    TASKS_RUN,
    SYSCALL_FAST_REACQUIRES,
    /** Timer actions run by a carrier holding this P (or, in M, by the timer sleeper holding none). */
    TIMERS_RUN,
    /** Goroutines started from this P (Sched.addCounters adds the global queue's count of external starts). */
    GOROUTINES_CREATED,
    // ---- per M, written only by the M itself (SingleWriterCounters in M)
    THREAD_PARKS,
    THREAD_UNPARKS,
    // ---- derived in Sched.addCounters: the global queue's own put count minus the Ps' GLOBAL_PUTS
    EXTERNAL_GLOBAL_PUTS,
    // ---- derived in Sched.addCounters: a gauge, the timers pending in every P's heap
    TIMERS_PENDING,
    // ---- scheduler-wide, written by any thread (SharedCounters in Sched)
    HANDOFFS_SYSCALL,
    HANDOFFS_BLOCKED,
    HANDOFFS_BUSY,
    PREEMPT_REQUESTS,
    SYSMON_WAKEUPS,
    SYSMON_FAILURES,
    CARRIER_FAILURES,
    /** Go: checkdead calls. sysmon's looks for a deadlock (Checkdead). */
    DEADLOCK_CHECKS,
    /** Deadlocks reported (Checkdead). */
    DEADLOCKS,
    /** Scans of the leak report (LeakReport). */
    LEAK_SCANS,
    /** Goroutines the collector freed before they terminated (LeakReport). */
    LEAKED_GOROUTINES;

    static final Counter[] ALL = values();
    static final int COUNT = ALL.length;
}
