package dev.goloom.report;

import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * One anchor workload of the main job's report: the Java port of a function in {@code bench/go/main.go}, with the
 * same parameter {@code n} and the same unit, and its twins on the JDK's default scheduler with the queues a Java
 * programmer would use instead of goloom's channels.
 *
 * @param name        the workload's name, as in the Go anchor (the key of {@code --only})
 * @param unit        what one reported value measures, e.g. {@code ns/roundtrip}
 * @param n           the full run's size, the Go anchor's {@code n}
 * @param quickN      the size under {@code --quick}
 * @param goAnchor    true if {@code bench/go/main.go} has the same workload (the table then gets a Go column)
 * @param description one line for {@code --help}
 * @param body        the measurement that runs on goloom and, unchanged, on the JDK's default scheduler
 * @param higherIsBetter true for a rate such as {@code req/s}; false (lower is better) for every other unit
 * @param note        a line printed under the report's table (how the workload was measured), or null; asked for
 *                    only when the workload ran
 * @param juc         the port to {@code java.util.concurrent} queues, run on the JDK's default scheduler, or why
 *                    there is none
 * @param jox         the port to jox channels, run on the JDK's default scheduler, or why there is none
 * @param cpu         how a round's process CPU time becomes the CPU column's figure
 */
record Workload(String name, String unit, int n, int quickN, boolean goAnchor, String description, Body body,
                boolean higherIsBetter, Supplier<String> note, Twin juc, Twin jox, Cpu cpu) {

    /** A workload whose unit is lower-is-better, with no note, its CPU figure chosen by {@link Cpu#forUnit}. */
    Workload(String name, String unit, int n, int quickN, boolean goAnchor, String description, Body body,
             Twin juc, Twin jox) {
        this(name, unit, n, quickN, goAnchor, description, body, false, null, juc, jox, Cpu.forUnit(unit));
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

    /**
     * A port of the workload to another queue library, or the reason it has none.
     *
     * @param what what the port uses (e.g. {@code SynchronousQueue}), or why there is no port
     * @param body the port, or null when there is none
     */
    record Twin(String what, Body body) {
        static Twin of(String what, Body body) {
            if (body == null) {
                throw new IllegalArgumentException("a twin needs a body: " + what);
            }
            return new Twin(what, body);
        }

        static Twin none(String why) {
            return new Twin(why, null);
        }

        boolean present() {
            return body != null;
        }
    }

    /**
     * How one round's process CPU time (nanoseconds) becomes the CPU column's figure, in {@link #unit}: per
     * operation for a unit such as {@code ns/msg}, the round's total for {@code ms}, or nothing for a unit that is not
     * a time (then {@link #convert} is null).
     */
    record Cpu(String unit, Convert convert) {
        @FunctionalInterface
        interface Convert {
            /**
             * @param cpuNanos the process CPU time of one round
             * @param n        the workload size
             * @param value    the round's measured value
             */
            double apply(long cpuNanos, int n, double value);
        }

        /** The same rule as {@code cpuIn} in {@code bench/go/main.go}: {@code ns/...} per n, {@code ms} total. */
        static Cpu forUnit(String unit) {
            if (unit.startsWith("ns/")) {
                return new Cpu(unit, (cpu, n, value) -> (double) cpu / n);
            }
            if (unit.equals("ms")) {
                return new Cpu(unit, (cpu, n, value) -> cpu / 1e6);
            }
            return new Cpu(null, null);
        }

        boolean present() {
            return convert != null;
        }
    }

    /** The size for this run. */
    int size(boolean quick) {
        return quick ? quickN : n;
    }

    /** The body of {@code column}, or null if this workload has none there (only j.u.c and jox may lack one). */
    Body body(Column column) {
        return switch (column) {
            case GOLOOM, JDK -> body;
            case JUC -> juc.body();
            case JOX -> jox.body();
            case GO -> null;
        };
    }
}
