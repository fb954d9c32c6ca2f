package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.TimerHeap;

import java.util.ArrayList;
import java.util.List;

/**
 * Changing the number of Ps while the scheduler runs. Go: {@code procresize} and its callers
 * {@code runtime.GOMAXPROCS} and sysmon's {@code sysmonUpdateGOMAXPROCS}. The P-list primitives it uses are in
 * {@link Sched}; the carriers' half is in {@code M.findRunnable} step 0 and {@code Sched.putIdle}.
 *
 * <h2>Why not Go's way</h2>
 * Go stops the world, so {@code procresize} can move every P's run queue and timers at leisure. goloom has no
 * stop-the-world: a carrier owns its P's ring (one producer), and a goroutine may run on it for as long as it likes.
 * So the resizer changes only what the sched lock guards (statuses, the idle list, the token count), and each
 * carrier whose P goes away moves that P's queue itself, at its next scheduling point, through the owner handle.
 * Rejected: a per-P "retiring" flag read on the dispatch path (a load per task; the status read at
 * {@code findRunnable} step 0, which the owner already does, carries the same news); moving a busy P's ring from
 * the resizer's thread (two producers on a one-producer ring); waiting for every retiring carrier in
 * {@link #resize} (it could wait forever on a goroutine blocked in file I/O, or on itself when called from one).
 *
 * <h2>Invariants (whenever the sched lock is free)</h2>
 * <ol>
 *   <li><b>Tokens.</b> The Ps in {@code allp()} with status RUNNING or SYSCALL, plus the free tokens, number
 *       {@code procs}.</li>
 *   <li><b>Low ids live.</b> Every P with {@code id < procs} exists and is neither RETIRING nor DEAD, so
 *       {@code allp()[i].id == i} for {@code i < procs}: timers pick their live targets there.</li>
 *   <li><b>RETIRING</b> means {@code id >= procs}, no token, still owned by the carrier that held it, still in
 *       {@code allp()} (thieves, sysmon and the timer scans see its queue and heap). Its owner retires it at its
 *       next scheduling point ({@code Sched.dropBlockedP}, {@code Sched.releasep}, {@code Carriers.carrierFailed},
 *       {@code Sched.giveBack}): queue to the global queue first, then, under the lock, DEAD.</li>
 *   <li><b>IDLE</b>: on the idle list, in {@code allp()}, empty queue (a carrier releases its P only after finding
 *       its queue empty, or after draining it), no owner. <b>DEAD</b>: in neither, empty queue, empty and closed
 *       timer heap, no owner; kept in {@code Sched.allPs()} for reuse and for its counters.</li>
 * </ol>
 * {@link #check} asserts them (tests).
 *
 * <h2>The protocol</h2>
 * <ol>
 *   <li><b>Shrink to n</b>, under the lock: every IDLE P with {@code id >= n} leaves the idle list; every RUNNING,
 *       SYSCALL or BLOCKED one becomes RETIRING by CAS (a failed CAS means its owner moved it between RUNNING and
 *       SYSCALL: re-read) and its token, if it held one, returns to the pool; then {@code old - n} tokens leave
 *       the pool (there are enough: only Ps with {@code id < n}, at most n, still hold one), {@code procs = n},
 *       and the idle ones are retired (step 3). After the lock: retiring carriers are asked to yield
 *       ({@code Go.checkpoint()} sees the preempt flag), moved timers wake the timer sleeper, queued work on a
 *       retiring P gets a spinning carrier if a token is free ({@code Sched.handoffp}), sysmon is woken.</li>
 *   <li><b>Grow to n</b>, under the lock: each id in {@code [old, n)} is made live: a DEAD P revived (its heap
 *       reopened), a missing one made, a RETIRING one sent back to BLOCKED (its carrier takes a token at its next
 *       scheduling point if one is free); {@code n - old} tokens join the pool; {@code procs = n}. After the lock:
 *       {@code wakep} if work is queued, and sysmon is woken.</li>
 *   <li><b>Retire</b> (resizer for an IDLE P, owner for a RETIRING one, under the lock): DEAD, out of
 *       {@code allp()}, then the heap's timers move to a live P ({@code TimerHeap.moveAllTo}, which closes it: an
 *       adder holding a stale {@code allp()} picks again). A P becomes DEAD only with an empty queue, so no task is
 *       copied, dropped or left behind: a task leaves a P only through its owner handle or a steal, each claimed by
 *       one CAS on the ring's head or on runnext.</li>
 * </ol>
 * Unlike Go's, a goroutine running on a P that goes away runs on until it parks, yields or ends (more goroutines
 * than {@code procs} run meanwhile, as after a sysmon hand-off). The hot paths are unchanged: dispatch, runqput and
 * steal read nothing new; a thief skips DEAD victims with the status it already reads.
 *
 * <h2>Automatic updates</h2>
 * When {@code procs} came from the CPU count or the container's quota (not from the builder, {@code GOMAXPROCS},
 * {@code -Dgoloom.maxprocs} or {@link #resize} with {@code explicit}), sysmon calls {@link #update} once a second
 * (Go: {@code sysmonUpdateGOMAXPROCS}): it reads the default again outside the lock, and resizes under the lock only
 * if the source is still automatic, so an explicit call that wins the race is never overwritten.
 *
 * <p>Callers: {@link #resize} and {@link #update} from any thread (update: sysmon only); never while holding the
 * sched lock. Instances are per scheduler and stateless beyond the sched they act on.
 */
final class Procresize {
    private final Sched sched;

    Procresize(Sched sched) {
        this.sched = sched;
    }

    /**
     * Go: {@code procresize(n)}. Sets the number of Ps to {@code n} (valid: 1 to MAX_PROCS, checked by the caller)
     * and records {@code source}. Returns at once; Ps that go away are retired by their carriers at their next
     * scheduling point (see the class comment). On a terminated scheduler only the counts change: no carrier is
     * woken or started. Any thread; the sched lock must not be held.
     *
     * @param onlyIfAutomatic resize only if the current source is automatic (sysmon's update)
     * @return the previous number of Ps, or -1 if {@code onlyIfAutomatic} and the current source is not
     */
    int resize(int n, String source, boolean onlyIfAutomatic) {
        List<P> retiring = new ArrayList<>(); // ones left to their owners (touched after the lock, racily)
        long moved = TimerHeap.NONE;
        int old;
        sched.lock.lock();
        try {
            old = sched.lvProcs();
            if (onlyIfAutomatic && !SchedulerConfig.isAutomatic(sched.procsSource())) {
                return -1;
            }
            int free = sched.freeTokensLocked();
            if (n > old) {
                grow(old, n);
                sched.setProcs(n, free + (n - old), source);
            } else if (n < old) {
                List<P> idle = new ArrayList<>();
                free += shrink(n, idle, retiring);
                sched.setProcs(n, free - (old - n), source); // setProcs rejects a negative count (a broken invariant)
                for (P p : idle) {
                    moved = Math.min(moved, sched.retire(p)); // after setProcs: the targets are Ps with id < n
                }
            } else {
                sched.setProcs(n, free, source);
            }
        } finally {
            sched.lock.unlock();
        }
        if (n != old && !sched.isTerminated()) {
            after(n > old, moved, retiring);
        }
        return old;
    }

    /**
     * Go: sysmon's {@code sysmonUpdateGOMAXPROCS}. Reads the default again and resizes if it changed and the value
     * is still automatic. Sysmon thread only (the read touches files; once a second).
     */
    void update() {
        SchedulerConfig.ProcsDefault d;
        try {
            d = sched.config.defaultProcs.get();
        } catch (RuntimeException e) { // a broken source must not kill sysmon; the next second retries
            return;
        }
        if (d == null || !SchedulerConfig.isAutomatic(d.source())) {
            return; // not a default this scheduler can follow
        }
        int n = Math.max(1, Math.min(d.procs(), Math.min(SchedulerConfig.MAX_PROCS, sched.config.maxThreads)));
        if (n != sched.lvProcs() || !d.source().equals(sched.procsSource())) {
            resize(n, d.source(), true);
        }
    }

    /** Shrink, under the lock: see step 1. Returns the tokens taken back from Ps that held one. */
    private int shrink(int n, List<P> idle, List<P> retiring) {
        int taken = 0;
        for (P p : sched.allPs()) {
            if (p.id < n) {
                continue;
            }
            for (;;) {
                int st = p.status();
                if (st == P.IDLE) {
                    sched.unlinkIdle(p);
                    idle.add(p);
                } else if (st == P.RUNNING || st == P.SYSCALL) {
                    if (!p.casStatus(st, P.RETIRING)) {
                        continue; // its owner moved it between RUNNING and SYSCALL: re-read
                    }
                    taken++;
                    retiring.add(p);
                } else if (st == P.BLOCKED) {
                    if (!p.casStatus(P.BLOCKED, P.RETIRING)) {
                        throw new IllegalStateException("BLOCKED changed without the sched lock: " + p);
                    }
                    retiring.add(p);
                } // RETIRING (an earlier shrink) or DEAD: nothing to do
                break;
            }
        }
        return taken;
    }

    /** Grow, under the lock: see step 2. */
    private void grow(int old, int n) {
        P[] all = sched.allPs();
        for (int id = old; id < n; id++) {
            P p = id < all.length ? all[id] : null;
            if (p == null || p.status() == P.DEAD) {
                sched.revive(id);
            } else if (p.status() == P.RETIRING) {
                p.casStatus(P.RETIRING, P.BLOCKED); // cannot fail: only the lock holder leaves RETIRING
            } // else a live spare (a blocked carrier's token moved to it): it counts as one of the n now
        }
    }

    /** After a resize, outside the lock: see steps 1 and 2. */
    private void after(boolean grew, long moved, List<P> retiring) {
        sched.timers.moved(moved);
        if (grew) {
            if (!sched.runq.isEmpty() || sched.anyQueuedWork()) {
                sched.wakep();
            }
        } else {
            for (P p : retiring) {
                M m = p.m;
                if (m != null) {
                    m.preempt = true; // Go: the STW preempts it; here its goroutine yields at Go.checkpoint()
                }
                if (!p.steal.isEmpty()) {
                    sched.handoffp(p);
                }
            }
        }
        sched.sysmon.wake();
    }

    /**
     * Checks the class invariants under the lock (tests; also useful in a debugger).
     *
     * @throws AssertionError naming the first one broken
     */
    void check() {
        sched.lock.lock();
        try {
            int procs = sched.lvProcs();
            P[] allp = sched.allp();
            List<P> idle = sched.idleListLocked();
            int holding = 0;
            for (int i = 0; i < allp.length; i++) {
                P p = allp[i];
                int st = p.status();
                require(st != P.DEAD, "DEAD P in allp: " + p);
                require(i == 0 || allp[i - 1].id < p.id, "allp not in id order at " + p);
                require(p.id >= procs || (i == p.id && st != P.RETIRING), "low id not live: " + p);
                require(st != P.RETIRING || p.id >= procs, "RETIRING P below procs: " + p);
                require((st == P.IDLE) == idle.contains(p), "IDLE and the idle list disagree on " + p);
                require(st != P.IDLE || p.steal.isEmpty(), "IDLE P with queued tasks: " + p);
                if (st == P.RUNNING || st == P.SYSCALL) {
                    holding++;
                }
            }
            require(holding + sched.freeTokensLocked() == procs, "tokens: " + holding + " held + "
                    + sched.freeTokensLocked() + " free != procs " + procs);
            for (P p : sched.allPs()) {
                if (p.status() == P.DEAD) {
                    require(p.steal.isEmpty() && p.timers.size() == 0 && p.timers.isClosed() && p.m == null
                            && !idle.contains(p), "DEAD P still owns something: " + p);
                }
            }
        } finally {
            sched.lock.unlock();
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("Procresize invariant broken: " + what);
        }
    }
}
