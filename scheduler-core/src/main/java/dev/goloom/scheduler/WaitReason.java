package dev.goloom.scheduler;

/**
 * Why a goroutine waits (Go: {@code waitReason}, printed in tracebacks as {@code goroutine 18 [chan receive]:}).
 * {@link #text()} is Go's string where Go has one.
 *
 * <p>Two kinds of source, told apart by {@link #isRecorded()}:
 * <ul>
 *   <li><b>Recorded</b> when the wait begins, with its start time: {@link #CHAN_SEND}, {@link #CHAN_RECEIVE},
 *       {@link #SELECT}, {@link #SELECT_NO_CASES} (by goloom's channels and {@code select}, which also record the
 *       channels) and {@link #SYSCALL} (by {@code Syscall.blocking}).</li>
 *   <li><b>Inferred</b> at dump time from what the JDK shows of a waiting virtual thread ({@code Thread.getState()},
 *       {@code LockSupport.getBlocker}, the top stack frames): all the others. Their start is not known; a dump
 *       counts it from the first dump that saw the same wait (Go's own {@code waitsince} is set the same way,
 *       by the first garbage collection that sees a goroutine blocked).</li>
 * </ul>
 */
public enum WaitReason {
    /** Blocked in {@code Chan.send} (or a timed {@code trySend}): no receiver and no buffer room. Recorded. */
    CHAN_SEND("chan send", true),
    /** Blocked in {@code Chan.recv} (or a timed {@code tryRecv}, or {@code for (v : ch)}). Recorded. */
    CHAN_RECEIVE("chan receive", true),
    /** Blocked in a {@code Select} with cases. Recorded, with each case's channel. */
    SELECT("select", true),
    /** Blocked in a {@code Select} whose cases are all disabled or nil (Go's {@code select {}}). Recorded. */
    SELECT_NO_CASES("select (no cases)", true),
    /** In {@code Thread.sleep}. Inferred from the stack. */
    SLEEP("sleep", false),
    /**
     * Waiting to acquire a lock: a monitor ({@code synchronized}, thread state BLOCKED), or a
     * {@code java.util.concurrent.locks} lock ({@code ReentrantLock}, {@code ReentrantReadWriteLock},
     * {@code StampedLock}). Inferred.
     */
    SYNC_LOCK("sync lock", false),
    /**
     * Waiting for a signal: {@code Object.wait}, {@code Condition.await}, and the other
     * {@code java.util.concurrent} synchronizers and queues ({@code CountDownLatch}, {@code Semaphore},
     * {@code Future.get}, {@code BlockingQueue.take}, {@code Thread.join}). Inferred.
     */
    SYNC_WAIT("sync wait", false),
    /** Blocked in socket or other channel I/O, parked by the JDK's poller. Inferred from the stack. */
    IO_WAIT("IO wait", false),
    /**
     * Inside {@code Syscall.blocking} (Go: {@code _Gsyscall}): the goroutine is mounted and its carrier blocked in
     * the call. Recorded by the carrier. A goroutine that parks inside such a call (Go's cannot) shows the reason
     * of that park instead, and once resumed shows as running until the call returns: the mark stays with the
     * carrier it left.
     */
    SYSCALL("syscall", false),
    /** Parked ({@code LockSupport.park}) for any reason not listed above. Inferred. */
    PARK("park", false);

    private final String text;
    private final boolean channel;

    WaitReason(String text, boolean channel) {
        this.text = text;
        this.channel = channel;
    }

    /** The reason as tracebacks print it: {@code "chan receive"}, {@code "select (no cases)"}, ... */
    public String text() {
        return text;
    }

    /** True if goloom records this reason and its start when the wait begins; false if a dump infers it. */
    public boolean isRecorded() {
        return channel || this == SYSCALL;
    }

    /** True for the reasons of channel operations and {@code select}. */
    public boolean isChannelWait() {
        return channel;
    }

    @Override
    public String toString() {
        return text;
    }
}
