package dev.goloom.scheduler.internal;

/**
 * Where a full {@link LocalRunQueue} sends half of its ring (Go: {@code runqputslow} moving a batch to
 * {@code sched.runq}). The scheduler's {@link GlobalRunQueue} is the production target; tests pass their own.
 *
 * <p>Called by the owner of the overflowing local queue, which may be a carrier running a pinned virtual thread's
 * unpark: implementations must never block or park.
 */
@FunctionalInterface
public interface Overflow {
    /** Appends {@code batch[0 .. n)} in order. The caller clears {@code batch} afterwards. */
    void putBatch(Runnable[] batch, int n);
}
