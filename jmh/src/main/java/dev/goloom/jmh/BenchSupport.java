package dev.goloom.jmh;

import java.util.concurrent.locks.LockSupport;

/** Small pieces shared by the scheduler benchmarks. */
final class BenchSupport {
    private BenchSupport() {
    }

    /** The JVM flag every forked benchmark JVM needs (loom-bridge reaches VirtualThread's executor hook). */
    static final String ADD_OPENS_KEY = "--add-opens";
    static final String ADD_OPENS_VALUE = "java.base/java.lang=ALL-UNNAMED";

    /** Joins {@code t}, turning an interrupt (never expected in a benchmark) into an unchecked failure. */
    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark thread interrupted while joining " + t, e);
        }
    }

    /**
     * About {@code units} x 4 ns of arithmetic the JIT cannot drop: the "work" of a short child task. Returns a
     * value the caller must consume.
     */
    static int work(int seed, int units) {
        int x = seed;
        for (int i = 0; i < units; i++) {
            x = x * 1_103_515_245 + 12_345;
        }
        return x;
    }

    /** A ball two threads pass with park/unpark; {@code turn} says whose it is. */
    static final class Baton {
        volatile int turn;

        /** Gives the ball to {@code side} and wakes {@code to}. */
        void pass(int side, Thread to) {
            turn = side;
            LockSupport.unpark(to);
        }

        /** Parks until the ball is {@code side}'s; loops because park may return spuriously. */
        void await(int side) {
            while (turn != side) {
                LockSupport.park(this);
            }
        }
    }
}
