package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;
import dev.goloom.scheduler.spi.WaitDescriber;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Go: {@code checkdead}, the check behind {@code fatal error: all goroutines are asleep - deadlock!}, run by
 * {@link Sysmon} while deadlock detection is on ({@link SchedulerConfig.Builder#deadlock}); sysmon does not make
 * one with it off.
 *
 * <h2>When it looks</h2>
 * Go runs {@code checkdead} whenever an M goes idle and counts Ms; goloom cannot count its way to "nobody can run"
 * (a platform thread or the JDK's timer and poller threads may unpark a goroutine at any time), so it waits:
 * <ol>
 *   <li>Sysmon calls {@link #idleRound} in every round that finds every run token free and no tokenless P holding
 *       work, and {@link #busyRound} in the others.</li>
 *   <li>An idle spell begins at the first idle round, with the spell's <em>signature</em>: the tasks the Ps have
 *       run (Go: {@code schedtick}s) and the timers pending. Any goroutine that runs, and any timer that fires,
 *       changes it; then the spell begins again. A busy round ends it.</li>
 *   <li>Once a spell has lasted {@link SchedulerConfig#deadlockGrace()} with nothing queued, {@link #check}
 *       looks, once per signature: a live scheduler's goroutines can only change what they wait on by running,
 *       which moves the signature. The exception is a goroutine still mounted without a token (in
 *       {@code Syscall.blocking}, in a blocking call sysmon took the token from, parked while pinned): it can go on
 *       and park elsewhere without starting a task, so then the check looks again after another grace
 *       period.</li>
 * </ol>
 * So an idle server costs one look per idle spell, stopped at its first goroutine in I/O wait; sysmon's all-idle
 * sleep is bounded by {@link #dueNanos()} only while a look is pending.
 *
 * <h2>What is a deadlock</h2>
 * No timer pending on the scheduler (Go: {@code checkdead} returns if any P has a timer), at least one live
 * goroutine, and every live goroutine parked ({@code Thread.State.WAITING}) with a park blocker that a
 * {@link WaitDescriber} reports as a channel wait ({@link WaitReason#isChannelWait()}): a recorded {@code chan send},
 * {@code chan receive}, {@code select} or {@code select (no cases)}. A timed channel operation or select is never
 * one: on goloom it parks with a timer pending on this scheduler (and off it, timed: {@code TIMED_WAITING}).
 *
 * <h2>What it does</h2>
 * Reports the deadlock once (the header and {@link Goroutines#dump(GoScheduler)}, to the configured output or
 * {@code System.err}); with {@link DeadlockMode#FAIL}, checks again and, if the signature and the verdict still
 * hold, asks the describers to abort each blocked operation ({@link WaitDescriber#abortBlocker}), which withdraws
 * it under its channel's lock only if no partner completed it meanwhile.
 *
 * <p>State: sysmon thread only; the counters it bumps are {@link SharedCounters}.
 */
final class Checkdead {
    /** The start of Go's message, and of every report and exception message. */
    static final String HEADER = "all goroutines are asleep - deadlock!";

    /** A verdict of {@link #check}. */
    enum Verdict {
        /** Every live goroutine waits on channels: deadlocked. */
        DEAD,
        /** Something can still move without running a task of this scheduler first, or nothing lives. */
        LIVE,
        /** A goroutine is still mounted (a syscall, a pinned park) or runnable: look again after another grace. */
        UNSETTLED
    }

    private final Sched sched;
    private final DeadlockMode mode;
    private final long graceNanos;
    private final Consumer<String> output;

    /** Start of the current idle spell (0: none). */
    private long idleSince;
    /** The spell's signature: the Ps' tasks run and the pending timers when it began. */
    private long tasksRunAt = -1;
    private long timersAt = -1;
    /** The spell has been looked at; no more looks until its signature changes. */
    private boolean checked;
    /** The park blockers of the goroutines the last look found deadlocked (one per goroutine). */
    private final List<Object> blockers = new ArrayList<>();
    /** The park blockers of the deadlock reported last (by identity): a deadlock is reported once. */
    private final Set<Object> reported = Collections.newSetFromMap(new IdentityHashMap<>());
    /** FAIL: the deadlock reported last has been aborted (else the next look at it tries again). */
    private boolean aborted;

    Checkdead(Sched sched) {
        this.sched = sched;
        this.mode = sched.config.deadlock;
        this.graceNanos = sched.config.deadlockGraceNanos;
        this.output = sched.config.deadlockOutput;
    }

    /** A round in which some token was in use (or a tokenless P held work): the idle spell, if any, is over. */
    void busyRound() {
        idleSince = 0;
    }

    /**
     * A round that found every token free and no tokenless work ({@link Sysmon}'s all-idle test). Starts or goes on
     * with the idle spell, and looks for a deadlock once the spell is old enough. Sysmon thread only.
     */
    void idleRound(long now) {
        long ran = tasksRun();
        long timers = sched.timers.pending();
        if (idleSince == 0 || ran != tasksRunAt || timers != timersAt) {
            idleSince = now; // a new spell: something ran, a timer fired or was armed, or the Ps were busy
            checked = ran == tasksRunAt && timers == timersAt && checked; // the same state was already looked at
            tasksRunAt = ran;
            timersAt = timers;
            return;
        }
        if (checked || now - idleSince < graceNanos || !sched.runq.isEmpty() || sched.anyQueuedWork()) {
            return;
        }
        Verdict v = check();
        if (v == Verdict.UNSETTLED) {
            idleSince = now; // a mounted goroutine may park without a new task: look again after another grace
            return;
        }
        checked = true;
        sched.counters.inc(Counter.DEADLOCK_CHECKS); // a verdict reached (UNSETTLED looks are not counted)
        if (v != Verdict.DEAD) {
            return;
        }
        if (!sameAsReported()) {
            report();
            aborted = false;
        }
        if (mode == DeadlockMode.FAIL && !aborted) {
            aborted = abortAll();
        }
    }

    /**
     * True if the deadlock just found is the one reported last: the same blocked operations (park blockers), so
     * the same goroutines in the same waits. A goroutine that ran and ended meanwhile (which started a new spell)
     * does not make it a new deadlock; one more goroutine joining it, or any of them blocking anew, does.
     */
    private boolean sameAsReported() {
        if (reported.size() != blockers.size()) {
            return false;
        }
        for (Object b : blockers) {
            if (!reported.contains(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * When sysmon must be awake for the next look: the end of the current spell's grace period, or
     * {@link Long#MAX_VALUE} if no look is pending. Sysmon thread only.
     */
    long dueNanos() {
        return idleSince == 0 || checked ? Long.MAX_VALUE : idleSince + graceNanos;
    }

    /** Go: the sum of the Ps' schedticks. Tasks started by the Ps, DEAD ones included (so it never goes back). */
    private long tasksRun() {
        long n = 0;
        for (P p : sched.allPs()) {
            n += p.counters.get(Counter.TASKS_RUN);
        }
        return n;
    }

    /**
     * Go: {@code checkdead}'s verdict. Reads every live goroutine's state and park blocker (no stacks), stopping at
     * the first that is not deadlocked; on {@link Verdict#DEAD} leaves their park blockers in {@link #blockers}.
     */
    Verdict check() {
        blockers.clear();
        if (sched.timers.pending() != 0) {
            return Verdict.LIVE; // Go: "There are no goroutines running, so we can look at the P's timers"
        }
        TaskSupport ts = TaskSupport.get();
        HashSet<Thread> mounted = new HashSet<>();
        for (M m : sched.carriers.all()) { // every token is free: these carriers run without one
            Runnable task = m.loCurTask();
            Thread t = task == null ? null : ts.threadOf(task);
            if (t != null) {
                mounted.add(t);
            }
        }
        for (G g : sched.scheduler.goroutineRecords()) {
            Thread t = g.thread();
            if (t == null) {
                continue; // collected: a leak (LeakReport), not live
            }
            Thread.State st = t.getState();
            if (st == Thread.State.TERMINATED) {
                continue; // ended since the registry was read
            }
            if (st == Thread.State.NEW || st == Thread.State.RUNNABLE || mounted.contains(t)) {
                return Verdict.UNSETTLED; // running without a token, parked while pinned, or about to be queued
            }
            if (st != Thread.State.WAITING) {
                return Verdict.LIVE; // sleeping, timed wait, monitor: not a channel wait
            }
            Object blocker = LockSupport.getBlocker(t);
            WaitDescriber.Wait w = WaitDescriber.describeBlocker(blocker);
            if (w == null || !w.reason().isChannelWait() || t.getState() != Thread.State.WAITING
                    || LockSupport.getBlocker(t) != blocker) {
                return Verdict.LIVE; // a lock, latch, socket or plain park; or it moved while we looked
            }
            blockers.add(blocker);
        }
        return blockers.isEmpty() ? Verdict.LIVE : Verdict.DEAD; // no goroutines: an idle scheduler, not a deadlock
    }

    /** Prints the deadlock {@link #check} just found: the header line, then the scheduler's goroutine dump. */
    private void report() {
        sched.counters.inc(Counter.DEADLOCKS);
        reported.clear();
        reported.addAll(blockers);
        try {
            String text = header() + "\n\n" + Goroutines.dump(sched.scheduler);
            if (output != null) {
                output.accept(text);
            } else {
                System.err.print(text);
                System.err.flush();
            }
        } catch (Throwable e) { // a failing output, or out of memory while dumping: the FAIL step still runs
            sched.sysmon.failed(e);
        }
    }

    /**
     * FAIL: looks again and, if the spell's signature is unchanged (no goroutine ran while the dump was taken, no
     * timer changed) and the goroutines are still deadlocked, aborts every blocked operation. False if something
     * moved: then the spell begins again, and the next look at this deadlock tries again.
     */
    private boolean abortAll() {
        if (tasksRun() != tasksRunAt || sched.timers.pending() != timersAt || check() != Verdict.DEAD) {
            return false;
        }
        String message = header();
        for (Object blocker : blockers) {
            try {
                WaitDescriber.abortBlocker(blocker, message); // false: a partner completed it after all
            } catch (RuntimeException e) { // a describer's bug: go on with the others
                sched.sysmon.failed(e);
            }
        }
        return true;
    }

    /** {@code all goroutines are asleep - deadlock! (scheduler <name>)}. */
    private String header() {
        return HEADER + " (scheduler " + sched.config.name + ")";
    }
}
