package dev.goloom.scheduler.internal;

/**
 * Deliberately broken copies of {@link LocalRunQueue#stealFrom}, for the model checks' negative controls
 * ({@link LocalRunQueueLincheckTest}): a model-checking run counts as evidence only if the same setup catches a
 * planted bug. Each copy differs from production in one line, named in its comment; production code is untouched.
 *
 * <p>Only atomicity bugs can be planted here: Lincheck's model checker runs under sequential consistency, so a
 * release store weakened to a plain store (a reordering bug) is invisible to it (jcstress territory).
 */
final class PlantedRunQueueBugs {
    private PlantedRunQueueBugs() {
    }

    /**
     * {@link LocalRunQueue#stealFrom}'s ring path with the claiming {@code casHead(h, h + n)} replaced by a plain
     * (volatile) write of {@code head}: a thief no longer notices that the owner or another thief consumed a slot
     * between its snapshot and its claim, so a task can be taken twice.
     */
    static Runnable stealWithPlainHeadWrite(LocalRunQueue thief, RunQueueStealer victim, boolean stealRunNext,
                                            StealResult out) {
        final LocalRunQueue v = victim.queue;
        final int dt = thief.tail;
        out.clear();
        for (;;) {
            int h = v.laHead();
            int t = v.laTail();
            int n = t - h;
            n = n - n / 2;
            if (n == 0) {
                if (!stealRunNext) {
                    return null;
                }
                Object nx = v.runnext;
                if (nx != null && v.casRunnext(nx, null)) {
                    out.set(StealResult.Outcome.RUNNEXT, 1);
                    return (Runnable) nx;
                }
                return null;
            }
            if (n > v.ring.length / 2) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                thief.ring[(dt + i) & thief.mask] = v.ring[(h + i) & v.mask];
            }
            v.head = h + n; // PLANTED BUG: production claims with casHead(h, h + n)
            out.set(StealResult.Outcome.RING, n);
            Runnable first = thief.ring[(dt + n - 1) & thief.mask];
            if (n > 1) {
                thief.soTail(dt + n - 1);
            }
            return first;
        }
    }

    /**
     * {@link LocalRunQueue#stealFrom} with its runnext half's {@code casRunnext(nx, null)} replaced by a read
     * followed by a plain (volatile) write of null: the owner's {@code pollNext} (or another thief) can take the
     * same task between the read and the write. The ring path is production's.
     */
    static Runnable stealWithPlainRunnextWrite(LocalRunQueue thief, RunQueueStealer victim, boolean stealRunNext,
                                               StealResult out) {
        final LocalRunQueue v = victim.queue;
        int h = v.laHead();
        int t = v.laTail();
        if (t - h == 0 && stealRunNext) {
            out.clear();
            Object nx = v.runnext;
            if (nx == null) {
                return null;
            }
            v.runnext = null; // PLANTED BUG: production takes it with casRunnext(nx, null)
            out.set(StealResult.Outcome.RUNNEXT, 1);
            return (Runnable) nx;
        }
        return thief.stealFrom(victim, stealRunNext, false, () -> { }, out);
    }
}
