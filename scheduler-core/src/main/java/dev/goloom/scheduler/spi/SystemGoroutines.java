package dev.goloom.scheduler.spi;

import dev.goloom.scheduler.GoScheduler;

/**
 * System goroutines (Go: {@code isSystemGoroutine}): goroutines a scheduler hosts for the whole JVM, such as the
 * JDK's socket sub-pollers. They are not live goroutines of the scheduler ({@link GoScheduler#goroutines()} and
 * {@link GoScheduler#stats()} leave them out, and they do not keep it from terminating); a scheduler that hosts any
 * keeps its carriers after termination to run them, since every virtual thread's socket I/O may depend on them.
 * Exported only to {@code dev.goloom.loom}.
 */
public final class SystemGoroutines {
    private SystemGoroutines() {
    }

    /**
     * Starts {@code starter}, an unstarted virtual thread of {@code scheduler}, and waits for it to end. Every
     * goroutine {@code starter} itself starts on {@code scheduler} meanwhile is a system goroutine. One starter at
     * a time per scheduler.
     *
     * @throws IllegalStateException if the scheduler is shut down, or another starter is running
     * @throws InterruptedException  if interrupted while waiting (the starter goes on)
     */
    public static void start(GoScheduler scheduler, Thread starter) throws InterruptedException {
        Access.get().startSystem(scheduler, starter);
    }

    /** The scheduler package's half of this seam (installed by {@code GoScheduler}'s class). */
    public abstract static class Access {
        private static volatile Access installed;

        /** Installed once by the scheduler package. */
        protected Access() {
        }

        /** Installs the scheduler package's access (called once, from {@code GoScheduler}'s static initialiser). */
        public static void install(Access a) {
            installed = a;
        }

        static Access get() {
            Access a = installed;
            if (a == null) {
                try {
                    Class.forName(GoScheduler.class.getName(), true, GoScheduler.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
                a = installed;
            }
            return a;
        }

        /** See {@link SystemGoroutines#start}. */
        protected abstract void startSystem(GoScheduler scheduler, Thread starter) throws InterruptedException;
    }
}
