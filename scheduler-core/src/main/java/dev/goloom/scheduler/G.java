package dev.goloom.scheduler;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;

/**
 * A live goroutine's entry in its scheduler's registry ({@code GoScheduler}'s {@code GoroutineTable}, keyed by
 * thread id), made when the goroutine starts (Go: {@code g}, the few fields goloom keeps beside the virtual thread). Nothing here is
 * touched when the goroutine is scheduled or parks: the running state is read from the carriers, the wait from the
 * thread itself (see {@link GoroutineDump}).
 *
 * <p>The thread is held strongly, except on a scheduler with the leak report on
 * ({@link SchedulerConfig.Builder#leakReport}): there the record is a {@link Watched}, which holds it through a
 * {@link Ref}, a weak reference, so that a goroutine nothing can wake any more is garbage-collected with what it
 * waits on, and {@link LeakReport} learns of it from the reference queue (Go 1.26's goroutine leak profile finds
 * such goroutines the same way, in its garbage collector).
 *
 * <p>Fields: {@link #creatorId} and {@link #creatorVirtual} are final, set by the starting thread.
 * {@link #observed} is written and read by dumping threads only (any number at once: each write replaces the whole
 * immutable record, so readers see one dump's view or another's, never a mix). A {@link Watched} record's leak-report
 * fields are written by the leak report's scanning thread only and read by its reporting thread (the same thread).
 */
class G {
    /** The goroutine's virtual thread; null in a {@link Watched} record, which holds it weakly. */
    private final Thread thread;
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
     * The goroutine's thread; null only on a scheduler with the leak report on, once the collector found the
     * thread unreachable (it can never run again: a leak, reported by {@link LeakReport}).
     */
    Thread thread() {
        return thread;
    }

    /** The goroutine's thread id ({@code Thread.threadId()}, never reused in a JVM). */
    long id() {
        return thread.threadId();
    }

    /**
     * The record of a goroutine of a scheduler with the leak report on: holds the thread weakly, with the report's
     * own state. Kept out of {@link G}, so that the record of every other goroutine is half the size (the parked
     * memory per goroutine that the main job's {@code parked} workload measures).
     */
    static final class Watched extends G {
        /** The goroutine's thread id, kept for the report once the thread is collected. */
        final long id;
        /** The weak hold on the thread. */
        final Ref ref;
        /** Leak report only: the thread's name when it started (a collected thread has none to read). */
        final String name;
        /** Leak report only: the wait the last scan saw (see {@link LeakReport#scan}), 0 for none. */
        long scanKey;
        /**
         * Leak report only: the goroutine as the scan saw it in its latest wait that lasted a whole scan interval
         * (wait reason, channels, stack), or null. Holds no reference to what it waited on.
         */
        GoroutineInfo seen;
        /** Leak report only: {@link #scanKey} of the wait {@link #seen} describes. */
        long seenKey;
        /** Leak report only: when {@link #seen} was taken, on the {@code WaitClock} scale. */
        long seenAt;

        /** A record that holds {@code thread} weakly, enqueued on {@code queue} when the collector clears it. */
        Watched(Thread thread, Thread creator, GoScheduler scheduler, ReferenceQueue<Thread> queue) {
            super(null, creator);
            this.id = thread.threadId();
            this.ref = new Ref(thread, this, scheduler, queue);
            this.name = thread.getName();
        }

        @Override
        Thread thread() {
            return ref.get();
        }

        @Override
        long id() {
            return id;
        }
    }

    /** The weak hold on a goroutine's thread, with the record and scheduler to report it to. */
    static final class Ref extends WeakReference<Thread> {
        final Watched g;
        final GoScheduler scheduler;

        Ref(Thread thread, Watched g, GoScheduler scheduler, ReferenceQueue<Thread> queue) {
            super(thread, queue);
            this.g = g;
            this.scheduler = scheduler;
        }
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
