package dev.goloom.testing;

import dev.goloom.scheduler.GoroutineInfo;

import java.io.Serial;
import java.util.List;

/**
 * The goroutines a leak check found: thrown by {@link GoLeaks#verifyNone} and by {@link GoLeakCheck}'s extension.
 * An {@link AssertionError}, so that test frameworks report it as a test failure; the message is
 * {@code found unexpected goroutines:} followed by each leaked goroutine in Go's traceback shape
 * ({@link GoroutineInfo#traceback()}).
 */
public final class GoLeakError extends AssertionError {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Not serialized: a GoroutineInfo holds frames and channel descriptions that only make sense in this JVM. */
    private final transient List<GoroutineInfo> leaks;

    GoLeakError(String message, List<GoroutineInfo> leaks) {
        super(message);
        this.leaks = List.copyOf(leaks);
    }

    /** The leaked goroutines as the final snapshot saw them, sorted by scheduler and id (empty once deserialized). */
    public List<GoroutineInfo> leaks() {
        return leaks == null ? List.of() : leaks;
    }
}
