package dev.goloom.scheduler;

import java.util.Locale;

/**
 * What a scheduler does when all of its goroutines are asleep on goloom channels (Go's
 * {@code fatal error: all goroutines are asleep - deadlock!}). Set with
 * {@link SchedulerConfig.Builder#deadlock(DeadlockMode)} or {@code -Dgoloom.deadlock=off|warn|fail}; what counts
 * as a deadlock, and the limits of the check: {@link SchedulerConfig.Builder#deadlock(DeadlockMode)}.
 */
public enum DeadlockMode {
    /** No detection (the default): sysmon never looks. */
    OFF,
    /** Print {@code all goroutines are asleep - deadlock!} and the scheduler's goroutine dump, once per deadlock. */
    WARN,
    /**
     * Print as {@link #WARN} does, then make every deadlocked channel operation and {@code select} throw
     * {@code dev.goloom.channels.DeadlockException}.
     */
    FAIL;

    /** The property's spelling: {@code off}, {@code warn}, {@code fail}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code off}, {@code warn} or {@code fail} (any case, surrounding blanks ignored).
     *
     * @param source where the value came from, for the message (a property name)
     * @throws IllegalArgumentException naming {@code source} and the value if it is none of the three
     */
    static DeadlockMode parse(String value, String source) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (DeadlockMode m : values()) {
            if (m.text().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(source + " must be off, warn or fail, got '" + value + "'");
    }
}
