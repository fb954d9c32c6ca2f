/**
 * Real servers on goloom against the same servers on the JDK's default virtual-thread scheduler: the JDK's
 * {@code HttpServer} and Jetty 12 ({@link dev.goloom.jmh.server.ServerKind}) loaded over loopback by Debian's
 * {@code wrk} or, when it is missing, a bounded Java client in its own JVM ({@link dev.goloom.jmh.server.LoadGenerator},
 * {@link dev.goloom.jmh.server.LoadClient}), with the server JVM's context switches and CPU from {@code /proc}
 * ({@link dev.goloom.jmh.server.ProcessCounters}) and goloom's scheduler counters per round
 * ({@link dev.goloom.jmh.server.ServerRound}). {@link dev.goloom.jmh.server.ServerBench} is the standalone run
 * ({@code bench/servers.sh}); the main job's {@code http} workload uses the same pieces. An external load generator
 * does not fit JMH's harness, so this is a plain main in the jmh module.
 */
package dev.goloom.jmh.server;
