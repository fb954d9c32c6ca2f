package dev.goloom.report;

import dev.goloom.jmh.support.Side;

/**
 * The sides of the anchor report, in table order: goloom, and the four it is compared with. Every Java side runs in
 * the same JVM, rounds rotating which side goes first.
 */
enum Column {
    /** The workload's code with goloom channels and select, on a goloom scheduler ({@code maxProcs} = cores). */
    GOLOOM("goloom", "goloom", "goloom", Side.GOLOOM,
            "goloom channels and select on a goloom scheduler (maxProcs = cores)"),
    /** The same code on the JDK's default virtual-thread scheduler: goloom's channels park with LockSupport. */
    JDK("jdk", "JDK", "JDK, same code", Side.JDK,
            "the same code (goloom channels) on the JDK's default virtual-thread scheduler"),
    /** A port to the {@code java.util.concurrent} queue a Java programmer would pick, on the JDK's scheduler. */
    JUC("juc", "j.u.c", "JDK + ", Side.JDK,
            "java.util.concurrent queues (named per workload) on the JDK's default virtual-thread scheduler"),
    /** A port to jox channels ({@code com.softwaremill.jox}), on the JDK's scheduler. */
    JOX("jox", "jox", "JDK + jox", Side.JDK,
            "jox channels and select (com.softwaremill.jox) on the JDK's default virtual-thread scheduler"),
    /** {@code bench/go/main.go}, built and run by {@code bench/go/run.sh}. */
    GO("go", "Go", "Go", null, "bench/go/main.go, the Go anchor, with the same sizes");

    /** Key in report.json. */
    final String id;
    /** Short name in column headers and the chart's legend. */
    final String label;
    /** Row label in the table ({@link #JUC}'s is followed by the queue's name). */
    final String rowLabel;
    /** The scheduler a Java side runs on; null for Go. */
    final Side side;
    /** One line for the table's notes and report.json. */
    final String description;

    Column(String id, String label, String rowLabel, Side side, String description) {
        this.id = id;
        this.label = label;
        this.rowLabel = rowLabel;
        this.side = side;
        this.description = description;
    }

    /** The row label for {@code w}: the j.u.c row names its queue (if it has one). */
    String rowLabel(Workload w) {
        if (this == JUC) {
            return rowLabel + (w.juc().present() ? w.juc().what() : "j.u.c");
        }
        return rowLabel;
    }
}
