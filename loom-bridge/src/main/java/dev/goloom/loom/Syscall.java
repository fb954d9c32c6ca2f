package dev.goloom.loom;

import dev.goloom.scheduler.spi.Carrier;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Marks a blocking call so that goloom keeps all its Ps busy while it blocks. Go: {@code entersyscall} /
 * {@code exitsyscall} around a system call.
 *
 * <p>On entry the goroutine's P is marked in-syscall. If the call is still blocked at sysmon's next look (20 us to
 * 10 ms later) and work is waiting, or no carrier is free to take new work, sysmon gives the P's run token to
 * another carrier (a parked one, or a new one up to {@code maxThreads}). On exit the goroutine keeps its token if
 * nobody took it (the fast path: two CASes), takes any free token, or else yields, so its carrier can park and
 * its P's queue moves to the global queue.
 *
 * <p>goloom also notices unmarked blocking by itself (a carrier stuck in one task for {@code blockedThreshold}
 * without burning CPU), so marking is an optimisation: it lets the P go within microseconds instead of 10 ms.
 * Use {@link #blockingLong} for calls known to block for long (Go's {@code entersyscallblock}): the token goes
 * at once.
 *
 * <p>Called from a thread that is not a goloom goroutine, these methods just run the call.
 */
public final class Syscall {
    private Syscall() {
    }

    /**
     * Runs {@code call}, marked as a blocking call that may give up the P (see class comment).
     *
     * @return what {@code call} returned
     * @throws Exception            whatever {@code call} throws (the P is restored first)
     * @throws NullPointerException if {@code call} is null
     */
    public static <T> T blocking(Callable<T> call) throws Exception {
        return run(call, false);
    }

    /** Runs {@code call} marked as a blocking call. Unchecked exceptions propagate; see {@link #blocking(Callable)}. */
    public static void blocking(Runnable call) {
        runUnchecked(call, false);
    }

    /** Like {@link #blocking(Callable)}, but the P's token is handed to another carrier at once. */
    public static <T> T blockingLong(Callable<T> call) throws Exception {
        return run(call, true);
    }

    /** Like {@link #blocking(Runnable)}, but the P's token is handed to another carrier at once. */
    public static void blockingLong(Runnable call) {
        runUnchecked(call, true);
    }

    private static <T> T run(Callable<T> call, boolean handOffNow) throws Exception {
        Objects.requireNonNull(call, "call");
        boolean marked = Carrier.enterSyscall(handOffNow);
        try {
            return call.call();
        } finally {
            if (marked) {
                exit();
            }
        }
    }

    private static void runUnchecked(Runnable call, boolean handOffNow) {
        Objects.requireNonNull(call, "call");
        boolean marked = Carrier.enterSyscall(handOffNow);
        try {
            call.run();
        } finally {
            if (marked) {
                exit();
            }
        }
    }

    private static void exit() {
        if (!Carrier.exitSyscall()) {
            // No token free: let the carrier go (Go: exitsyscall0 puts the G on the global queue and parks the M).
            Thread.yield();
        }
    }
}
