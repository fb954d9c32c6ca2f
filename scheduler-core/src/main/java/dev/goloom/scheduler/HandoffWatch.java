package dev.goloom.scheduler;

import java.util.concurrent.locks.LockSupport;

/**
 * Watching hand-off chains: a deliberate deviation from Go's scheduler (the others: docs/adr/0006). One per carrier; every method is
 * called by that carrier only, while it holds a P and spins.
 *
 * <h2>Why</h2>
 * In a channel ping-pong each goroutine readies the other into runnext and blocks at once, so the chain runs on one
 * P and the other Ps have nothing to do. Go's rules still wake an idle carrier on every ready while none spins;
 * that carrier finds nothing, parks, and the next ready wakes it again. On the JVM each such wake is a futex call
 * on the chain's critical path, and the carrier's runnext steal, which Go guards with a short back-off and a CAS
 * that the same goroutine object reappearing defeats (ABA), splits the pair across cores.
 *
 * <h2>The rule</h2>
 * <ol>
 *   <li>A thief steals a running P's runnext only if the owner put nothing there during the back-off (a stamp the
 *       owner bumps per put, {@code LocalRunQueue.nextPuts}); a slot that turned over belongs to a live chain
 *       ({@code StealResult.Outcome.CHAIN_SEEN}, {@link #sawChain()}).</li>
 *   <li>A chain caught between a pop and its next put leaves no runnext to see: a carrier that stole nothing while
 *       another P runs spins up to {@link #RUNNEXT_BACKOFF_NANOS} for a runnext put that is already taken again
 *       ({@link #lookForChain}). A put that stays in the slot is not a hand-off (its readier kept running); the
 *       next steal pass takes it after the back-off, as in Go.</li>
 *   <li>A spinning carrier that saw a chain keeps its P and stays spinning, pausing off the CPU between looks
 *       ({@link #pause}), so the chain's {@code wakep} calls find a spinner and return without a syscall. Work
 *       queued meanwhile waits for the end of the pause (tens of microseconds, like Go's sleeping back-off). When
 *       the chain stops, the carrier parks as usual.</li>
 * </ol>
 * The cost (a carrier waking every ~70 us while a chain runs; new parallel work picked up within one pause instead
 * of one futex wake), the measurements and the alternatives tried: docs/adr/0002-hand-off-chain-watcher.md. The
 * runnext back-off itself stays a sleep: docs/adr/0003-runnext-backoff-is-a-sleep.md.
 */
final class HandoffWatch {
    /** Go: runqgrab's {@code usleep(3)} before taking a running P's runnext. */
    static final long RUNNEXT_BACKOFF_NANOS = 3_000;
    /** A carrier watching a hand-off chain looks again after this pause (plus the OS timer slack, ~50 us). */
    static final long PAUSE_NANOS = 20_000;

    /**
     * Go's {@code usleep(3)} before taking a running P's runnext, run by {@code stealFrom} on the thief. A sleep,
     * as in Go, which the kernel's timer slack stretches to about 50 us on Linux (in Go too); not a spin (see the
     * record cited in the class comment).
     */
    static final Runnable RUNNEXT_BACKOFF = () -> LockSupport.parkNanos(RUNNEXT_BACKOFF_NANOS);

    private boolean sawChain;
    /** Runnext put stamps per P during {@link #lookForChain}; resized when spare Ps appear. */
    private int[] seenPuts = new int[0];

    /** A steal pass is starting: forget the last pass's verdict. */
    void reset() {
        sawChain = false;
    }

    /** A steal saw a victim's runnext turn over during the back-off. */
    void chainSeen() {
        sawChain = true;
    }

    /** True if the last steal pass saw a hand-off chain on some P (then keep the P and {@link #pause}). */
    boolean sawChain() {
        return sawChain;
    }

    /**
     * Nothing was stolen: if another P is running, spins up to the runnext back-off looking for a hand-off there
     * (a runnext put, seen by its stamp moving, that is already taken again), and records what it saw.
     */
    void lookForChain(P[] ps, P self) {
        if (sawChain || !anyOtherRunning(ps, self)) {
            return;
        }
        int n = ps.length;
        int[] seen = seenPuts;
        if (seen.length != n) {
            seen = seenPuts = new int[n];
        }
        for (int i = 0; i < n; i++) {
            seen[i] = ps[i].steal.nextPuts();
        }
        long end = System.nanoTime() + RUNNEXT_BACKOFF_NANOS;
        do {
            for (int i = 0; i < n; i++) {
                P v = ps[i];
                if (v != self && v.status() == P.RUNNING && v.steal.nextPuts() != seen[i] && !v.steal.hasNext()) {
                    sawChain = true;
                    return;
                }
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - end < 0);
    }

    /**
     * The pause between two looks, off the CPU. Skipped when queued work is already visible. The carrier counts as
     * spinning, so {@code wakep} leaves it alone while it sleeps. Waking it early on every ring put was tried and
     * rejected (see the record).
     */
    void pause(Sched sched, P self) {
        if (sched.runq.isEmpty() && !anyRingWork(sched.allp(), self)) {
            LockSupport.parkNanos(this, PAUSE_NANOS);
        }
    }

    private static boolean anyOtherRunning(P[] ps, P self) {
        for (P v : ps) {
            if (v != self && v.status() == P.RUNNING) {
                return true;
            }
        }
        return false;
    }

    /** True if another busy P has tasks in its ring (runnext aside). Racy. */
    private static boolean anyRingWork(P[] ps, P self) {
        for (P v : ps) {
            if (v != self && v.status() != P.IDLE && v.steal.ringSize() > 0) {
                return true;
            }
        }
        return false;
    }
}
