package dev.goloom.scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One goroutine as a dump saw it ({@link Goroutines#snapshot()}): Go's traceback header (id, status, wait reason,
 * wait time) plus what the JDK's own thread dump shows (name, thread state, park blocker, carrier, stack).
 * Immutable; its parts were read at slightly different moments while the goroutine ran on.
 *
 * @param id             the goroutine id: {@code Thread.threadId()} (Go: {@code goid})
 * @param name           the thread's name, possibly empty
 * @param scheduler      the name of the goloom scheduler it runs on
 * @param state          running, runnable, waiting or in a syscall
 * @param waitReason     why it waits; null unless {@code state} is WAITING or SYSCALL
 * @param waitMillis     how long it has waited, in ms; -1 if it does not wait
 * @param waitObserved   true if {@code waitMillis} counts from the first dump that saw this wait (inferred
 *                       reasons, see {@link WaitReason}), false if from the recorded start of the wait
 * @param channels       the channels it waits on: one for a channel operation, one per enabled case for a select,
 *                       none otherwise
 * @param threadState    the JDK's {@code Thread.getState()}
 * @param parkBlocker    {@code Objects.toIdentityString} of its {@code LockSupport.getBlocker}, or null
 * @param carrierId      the thread id of the carrier it is mounted on, or -1
 * @param creatorId      the id of the thread that started it
 * @param creatorVirtual true if that thread was a virtual thread (a goroutine, if it ran on goloom)
 * @param stack          its stack, innermost frame first (may be empty for a goroutine that has not run yet)
 */
public record GoroutineInfo(long id, String name, String scheduler, GoroutineState state, WaitReason waitReason,
                            long waitMillis, boolean waitObserved, List<ChannelRef> channels,
                            Thread.State threadState, String parkBlocker, long carrierId, long creatorId,
                            boolean creatorVirtual, List<StackTraceElement> stack) {
    /**
     * @throws NullPointerException if {@code name}, {@code scheduler}, {@code state}, {@code channels},
     *                              {@code threadState} or {@code stack} is null
     */
    public GoroutineInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(threadState, "threadState");
        channels = List.copyOf(channels);
        stack = List.copyOf(stack);
    }

    /** {@link #waitMillis()} as a duration, or null if unknown or not waiting. */
    public Duration waitDuration() {
        return waitMillis < 0 ? null : Duration.ofMillis(waitMillis);
    }

    /** The traceback header line, such as {@code goroutine 18 [chan receive, 2 minutes]:} (see {@link Goroutines}). */
    public String header() {
        return GoroutineDump.header(this);
    }

    /**
     * This goroutine's block of the text dump: the {@link #header()}, a line per channel it waits on, its frames in
     * Java's {@code at ...} form and Go's {@code created by} line, each line ending in {@code '\n'} (see
     * {@link Goroutines}). Leak reports print it ({@code @GoLeakCheck} in loom-bridge's test-support jar).
     */
    public String traceback() {
        StringBuilder b = new StringBuilder(128 + 64 * stack.size());
        try {
            GoroutineDump.printGoroutine(this, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not throw
        }
        return b.toString();
    }
}
