package dev.goloom.scheduler.spi;

/**
 * The seam between the scheduler and the JDK's virtual threads. scheduler-core never touches JDK internals; the
 * loom-bridge module installs an implementation that recognises a virtual thread's {@code runContinuation} task
 * and reads its state. Without it, every task is a plain {@link Runnable} run once per submission.
 *
 * <p>Exported only to {@code dev.goloom.loom}. Implementations must be fast (they sit on the submit path) and
 * must never block.
 */
public abstract class TaskSupport {
    /** A task that is not a virtual thread's continuation: runs once per submission. */
    public static final int PLAIN = 0;
    /** A virtual thread's first submission ({@code Thread.start()}): a new goroutine. */
    public static final int START = 1;
    /** A virtual thread made runnable again (unpark, unblock, notify, timeout). Go: {@code ready}. */
    public static final int RESUME = 2;
    /** A virtual thread resubmitted by {@code Thread.yield()}. Go: {@code Gosched}. */
    public static final int YIELD = 3;

    private static volatile TaskSupport installed = Plain.INSTANCE;

    protected TaskSupport() {
    }

    /** Installs the support (loom-bridge does this once, when it initialises). */
    public static void install(TaskSupport support) {
        installed = java.util.Objects.requireNonNull(support, "support");
    }

    /** The installed support; a plain-Runnable one until loom-bridge installs its own. */
    public static TaskSupport get() {
        return installed;
    }

    /**
     * Called on a virtual thread: the platform thread it is mounted on. Go has no analogue (a G always knows its
     * M); the JDK hides it behind {@code Thread.currentCarrierThread()}.
     */
    public abstract Thread currentCarrier();

    /** What {@code task} is at the moment it is submitted: {@link #PLAIN}, {@link #START}, {@link #RESUME} or {@link #YIELD}. */
    public abstract int kindOf(Runnable task);

    /** The virtual thread whose continuation {@code task} is, or null for a plain task. */
    public abstract Thread threadOf(Runnable task);

    /** Called right after {@code task.run()} returned on a carrier: true if the task is finished for good. */
    public abstract boolean isTerminated(Runnable task);

    /** The default: no virtual threads known; every task is plain. */
    private static final class Plain extends TaskSupport {
        static final Plain INSTANCE = new Plain();

        @Override
        public Thread currentCarrier() {
            return Thread.currentThread();
        }

        @Override
        public int kindOf(Runnable task) {
            return PLAIN;
        }

        @Override
        public Thread threadOf(Runnable task) {
            return null;
        }

        @Override
        public boolean isTerminated(Runnable task) {
            return true;
        }
    }
}
