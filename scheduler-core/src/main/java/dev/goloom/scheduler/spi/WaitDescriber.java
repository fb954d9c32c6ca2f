package dev.goloom.scheduler.spi;

import dev.goloom.scheduler.ChannelRef;
import dev.goloom.scheduler.WaitReason;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Tells goroutine dumps what a park blocker stands for: the seam through which the channels module, which
 * scheduler-core cannot see, reports its waits. A blocked channel operation parks with
 * its waiter as the {@code LockSupport.park} blocker, which the JDK keeps in a plain field of the thread; a dump
 * reads it back with {@code LockSupport.getBlocker(thread)} and asks each registered describer about it. So the
 * park itself pays nothing beyond filling in its waiter.
 *
 * <p>Describers are registered once (channels does it when its wait support initialises) and called by dumping
 * threads only, on blockers of other threads that may change under them: they must read racily but safely (never
 * throw on a half-updated object, never block, never take a lock a parked thread may hold). Deadlock detection also
 * asks them to {@link #abort} a wait it found deadlocked.
 *
 * <p>Exported to {@code dev.goloom.channels} and {@code dev.goloom.loom} only.
 */
public abstract class WaitDescriber {
    private static final CopyOnWriteArrayList<WaitDescriber> DESCRIBERS = new CopyOnWriteArrayList<>();

    /** For subclasses. */
    protected WaitDescriber() {
    }

    /**
     * What a describer knows about one wait.
     *
     * @param reason   why the thread waits
     * @param since    when the wait began, on the {@link WaitClock} scale, or {@link WaitClock#UNKNOWN}
     * @param channels the channels it waits on (empty if none)
     */
    public record Wait(WaitReason reason, long since, List<ChannelRef> channels) {
        /**
         * @throws NullPointerException if {@code reason} or {@code channels} is null
         */
        public Wait {
            Objects.requireNonNull(reason, "reason");
            channels = List.copyOf(channels);
        }
    }

    /** Adds a describer; later ones are asked after earlier ones. Any thread. */
    public static void register(WaitDescriber describer) {
        DESCRIBERS.addIfAbsent(Objects.requireNonNull(describer, "describer"));
    }

    /** The first registered describer's answer for {@code blocker}, or null if none knows it. Any thread. */
    public static Wait describeBlocker(Object blocker) {
        if (blocker == null) {
            return null;
        }
        for (WaitDescriber d : DESCRIBERS) {
            Wait w;
            try {
                w = d.describe(blocker);
            } catch (RuntimeException e) { // a racy read gone wrong: treat the blocker as unknown
                w = null;
            }
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    /**
     * Go: {@code checkdead}'s {@code throw}, one goroutine at a time: asks the describers to make the blocked
     * operation that parked with {@code blocker} fail with {@code message} (see {@link #abort}). Called by sysmon
     * with {@code -Dgoloom.deadlock=fail}, for goroutines it found deadlocked. Any thread.
     *
     * @return true if a describer withdrew the operation (its thread now throws), false if none could (the
     *         operation completed meanwhile, or no describer knows the blocker)
     */
    public static boolean abortBlocker(Object blocker, String message) {
        Objects.requireNonNull(message, "message");
        if (blocker == null) {
            return false;
        }
        for (WaitDescriber d : DESCRIBERS) {
            if (d.abort(blocker, message)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait {@code blocker} (a park blocker of some other thread) stands for, or null if this describer does not
     * know such blockers. Called by dumping threads; see the class comment for the rules.
     */
    protected abstract Wait describe(Object blocker);

    /**
     * Makes the blocked operation that parked with {@code blocker} fail, if it is still blocked: withdraws it
     * atomically with respect to its partners (under its channel's lock, or by winning a select's arbitration), so
     * that nothing is transferred, lost or duplicated, records why, and unparks its thread, which then throws an
     * exception whose message starts with {@code message}. If a partner completed the operation first, does
     * nothing. Called by sysmon only (deadlock detection, {@code -Dgoloom.deadlock=fail}); may take a channel lock
     * (which never parks), must not block otherwise.
     *
     * @param message what the exception's message starts with ({@code all goroutines are asleep - deadlock! ...})
     * @return true if this call withdrew the operation; false if it was no longer blocked or this describer does
     *         not know such blockers
     */
    protected abstract boolean abort(Object blocker, String message);
}
