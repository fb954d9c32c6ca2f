package dev.goloom.scheduler;

/**
 * A live goroutine's entry in its scheduler's registry ({@code GoScheduler}'s {@code GoroutineTable}, keyed by
 * thread id), made when the goroutine starts (Go: {@code g}, the few fields goloom keeps beside the virtual thread). Nothing here is
 * touched when the goroutine is scheduled or parks: the running state is read from the carriers, the wait from the
 * thread itself (see {@link GoroutineDump}).
 *
 * <p>Fields: {@link #thread}, {@link #creatorId} and {@link #creatorVirtual} are final, set by the starting thread.
 * {@link #observed} is written and read by dumping threads only (any number at once: each write replaces the whole
 * immutable record, so readers see one dump's view or another's, never a mix).
 */
final class G {
    /** The goroutine's virtual thread. */
    final Thread thread;
    /** Go: {@code g.parentGoid}. The id of the thread that started this goroutine. */
    final long creatorId;
    /** The starting thread was virtual. */
    final boolean creatorVirtual;
    /**
     * The inferred wait (see {@link WaitReason#isRecorded()}) the last dump saw, with when it was first seen; null
     * if the last dump saw the goroutine run, or saw a recorded wait. Go: {@code g.waitsince}, which Go's garbage
     * collector sets the same way, when it first finds a goroutine blocked.
     */
    volatile Observed observed;

    G(Thread thread, Thread creator) {
        this.thread = thread;
        this.creatorId = creator.threadId();
        this.creatorVirtual = creator.isVirtual();
    }

    /**
     * One wait as dumps see it. Two looks see the same wait if reason, blocker identity and whole stack match (a
     * goroutine that left the wait and entered the same one again, at the same place, between two dumps is not
     * told apart: a loop around {@code Thread.sleep} shows the time since the first dump saw it sleeping).
     *
     * @param blockerHash {@code System.identityHashCode} of the park blocker (0 for none)
     * @param stackHash   {@code Arrays.hashCode} of the stack
     * @param since       when first seen, on the {@code WaitClock} scale
     */
    record Observed(WaitReason reason, int blockerHash, int stackHash, long since) {
        boolean sameWait(WaitReason r, int blocker, int stack) {
            return reason == r && blockerHash == blocker && stackHash == stack;
        }
    }
}
