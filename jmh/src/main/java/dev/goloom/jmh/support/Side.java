package dev.goloom.jmh.support;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;

import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The schedulers the benchmarks and the main job compare: goloom ({@link GoScheduler} with {@code maxProcs} =
 * available processors) and the JDK's default virtual-thread scheduler (its {@code ForkJoinPool}, parallelism =
 * available processors).
 */
public enum Side {
    GOLOOM("goloom"),
    JDK("JDK");

    private final String label;

    Side(String label) {
        this.label = label;
    }

    /** The side's name in messages: {@code goloom} or {@code JDK}. */
    public String label() {
        return label;
    }

    /**
     * The side a benchmark's {@code scheduler} parameter names: {@code goloom} or {@code jdk}, in any case.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Side parse(String scheduler) {
        return switch (scheduler.toLowerCase(Locale.ROOT)) {
            case "goloom" -> GOLOOM;
            case "jdk" -> JDK;
            default -> throw new IllegalArgumentException("scheduler must be goloom or jdk, got '" + scheduler + "'");
        };
    }

    /**
     * Opens this side with unnamed threads, like goroutines: a counter-numbered name costs a string build per start
     * (8% of a spawn profile). Close the session when its work is done.
     *
     * @param name the goloom scheduler's name (its carriers' names and its schedtrace lines); unused on the JDK side
     */
    public Session open(String name) {
        return open(name, null);
    }

    /**
     * Opens this side; close the session when its work is done.
     *
     * @param name         the goloom scheduler's name (its carriers' names and its schedtrace lines); unused on the
     *                     JDK side
     * @param threadPrefix null for unnamed threads, or the name the threads get followed by a counter from 0
     *                     ({@code prefix0}, {@code prefix1}, ...), which thread dumps show and every start pays for
     */
    public Session open(String name, String threadPrefix) {
        if (this == JDK) {
            Thread.Builder.OfVirtual threads = Thread.ofVirtual();
            return new Session(this, named(threads, threadPrefix).factory(), null);
        }
        GoScheduler scheduler = GoScheduler.builder()
                .maxProcs(Runtime.getRuntime().availableProcessors())
                .name(name)
                .build();
        return new Session(this, named(GoVirtualThreads.ofVirtual(scheduler), threadPrefix).factory(), scheduler);
    }

    /**
     * goloom's side on {@link GoScheduler#defaultScheduler()} (the scheduler that hosts the JDK's socket pollers
     * under {@code -Dgoloom.pollers=goloom}); closing the session leaves the scheduler running. The JDK side is
     * {@link #open(String)}'s.
     */
    public Session openDefault() {
        if (this == JDK) {
            return open("jdk");
        }
        GoScheduler scheduler = GoScheduler.defaultScheduler();
        return new Session(this, GoVirtualThreads.ofVirtual(scheduler).factory(), scheduler, false);
    }

    private static Thread.Builder.OfVirtual named(Thread.Builder.OfVirtual threads, String prefix) {
        return prefix == null ? threads : threads.name(prefix, 0);
    }
}
