package dev.goloom.report;

import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * One anchor workload of the main job's report: the Java port of a function in {@code bench/go/main.go}, with the
 * same parameter {@code n} and the same unit.
 *
 * @param name        the workload's name, as in the Go anchor (the key of {@code --only})
 * @param unit        what one reported value measures, e.g. {@code ns/roundtrip}
 * @param n           the full run's size, the Go anchor's {@code n}
 * @param quickN      the size under {@code --quick}
 * @param goAnchor    true if {@code bench/go/main.go} has the same workload (the table then gets a Go column)
 * @param description one line for {@code --help}
 * @param body        the measurement
 * @param higherIsBetter true for a rate such as {@code req/s}; false (lower is better) for every other unit
 * @param note        a line printed under the report's table (how the workload was measured), or null; asked for
 *                    only when the workload ran
 */
record Workload(String name, String unit, int n, int quickN, boolean goAnchor, String description, Body body,
                boolean higherIsBetter, Supplier<String> note) {

    /** A workload whose unit is lower-is-better, with no note. */
    Workload(String name, String unit, int n, int quickN, boolean goAnchor, String description, Body body) {
        this(name, unit, n, quickN, goAnchor, description, body, false, null);
    }

    /**
     * The measured code. It runs inside a virtual thread of the side under test (the Go anchor's workloads run in
     * the main goroutine), starts every other thread it needs from {@code threads}, and returns one value in
     * {@link #unit}.
     */
    @FunctionalInterface
    interface Body {
        /**
         * @param threads makes unstarted virtual threads on the side under test (thread-safe)
         * @param n       the workload size
         * @return the measured value, in the workload's unit
         * @throws Exception if the workload fails; the failure names the workload in the report
         */
        double run(ThreadFactory threads, int n) throws Exception;
    }

    /** The size for this run. */
    int size(boolean quick) {
        return quick ? quickN : n;
    }
}
