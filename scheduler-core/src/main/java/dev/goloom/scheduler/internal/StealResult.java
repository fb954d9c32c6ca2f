package dev.goloom.scheduler.internal;

/**
 * What one {@link LocalRunQueue#stealFrom} call did. Owned by the thief, which reuses one instance for every steal
 * (no allocation on the stealing path); single-threaded.
 */
public final class StealResult {
    /** How a steal ended. */
    public enum Outcome {
        /** Nothing to take (the victim's ring was empty, and its runnext too or not asked for). */
        NOTHING,
        /** Half of the victim's ring was moved. */
        RING,
        /** The victim's runnext was taken (its ring was empty). */
        RUNNEXT,
        /**
         * Nothing taken because the victim's runnext turned over during the back-off: its owner keeps consuming
         * and refilling it, so a hand-off chain runs there (see {@code LocalRunQueue}'s {@code nextPuts}).
         */
        CHAIN_SEEN
    }

    private Outcome outcome = Outcome.NOTHING;
    private int moved;

    void clear() {
        outcome = Outcome.NOTHING;
        moved = 0;
    }

    void set(Outcome outcome, int moved) {
        this.outcome = outcome;
        this.moved = moved;
    }

    /** How the last steal ended. */
    public Outcome outcome() {
        return outcome;
    }

    /** Tasks the last steal moved, counting the one it returned. */
    public int moved() {
        return moved;
    }
}
