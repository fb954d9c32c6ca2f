/**
 * What the JMH benchmarks and the main job ({@code dev.goloom.report}) share: the two schedulers they compare
 * ({@link dev.goloom.jmh.support.Side}), an open side with a bounded close ({@link dev.goloom.jmh.support.Session})
 * and the park/unpark ball of the ping-pong workloads ({@link dev.goloom.jmh.support.Baton}). Nothing here depends
 * on JMH.
 */
package dev.goloom.jmh.support;
