/**
 * goloom's main job, the first thing to run: {@link dev.goloom.report.Main} (from the repository top,
 * {@code mvn -B -q compile exec:exec}) runs a 100,000-goroutine demo and a report of the Go anchor workloads on
 * goloom, on the JDK's default virtual-thread scheduler (the same code, then {@code java.util.concurrent} queues and
 * jox) and, when a Go toolchain is installed, in Go, with CPU per operation beside wall time; it writes
 * {@code report.json} and a ratio chart. The goloom and JDK sides come from {@code dev.goloom.jmh.support}, shared
 * with the JMH benchmarks.
 */
package dev.goloom.report;
