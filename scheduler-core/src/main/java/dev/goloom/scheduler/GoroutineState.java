package dev.goloom.scheduler;

/**
 * What a goroutine is doing (Go: the {@code _G*} statuses of {@code runtime2.go}), as a goroutine dump sees it.
 * Computed when the dump is taken, from the scheduler's carriers and the virtual thread's
 * {@code Thread.getState()}; nothing is written on the scheduling hot path to track it.
 *
 * <pre>
 * state     Go            when
 * RUNNING   _Grunning     mounted on a carrier of its scheduler and runnable in the JDK's view
 * RUNNABLE  _Grunnable    runnable and not mounted: queued (or started and not yet run)
 * WAITING   _Gwaiting     WAITING, TIMED_WAITING or BLOCKED in the JDK's view; see {@link WaitReason}
 * SYSCALL   _Gsyscall     mounted and inside {@code Syscall.blocking}
 * DONE      _Gdead        terminated while a snapshot was being taken (listed in {@code Goroutines.snapshot},
 *                         left out of the printed dumps, as Go's tracebacks leave dead goroutines out)
 * </pre>
 * A pinned virtual thread that parks or waits for a monitor keeps its carrier; it shows as WAITING.
 */
public enum GoroutineState {
    /** On a carrier, running. */
    RUNNING("running"),
    /** Ready to run, waiting in a run queue. */
    RUNNABLE("runnable"),
    /** Blocked; the reason is a {@link WaitReason}. */
    WAITING("waiting"),
    /** In a blocking call marked with {@code Syscall.blocking}. */
    SYSCALL("syscall"),
    /** Terminated. */
    DONE("dead");

    private final String text;

    GoroutineState(String text) {
        this.text = text;
    }

    /** Go's word for the status: {@code "running"}, {@code "runnable"}, {@code "waiting"}, ... */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
