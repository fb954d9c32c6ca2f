/**
 * goloom's main job, the first thing to run: {@link dev.goloom.report.Main} (from the repository top,
 * {@code mvn -B -q compile exec:exec}) runs a 100,000-goroutine demo and a report of the Go anchor workloads on
 * goloom, on the JDK's default virtual-thread scheduler and, when a Go toolchain is installed, in Go. The sides come
 * from {@code dev.goloom.jmh.support}, shared with the JMH benchmarks.
 */
package dev.goloom.report;
