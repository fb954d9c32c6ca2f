package dev.goloom.jmh;

/** Small pieces shared by the scheduler benchmarks. */
final class BenchSupport {
    private BenchSupport() {
    }

    /** The JVM flag every forked benchmark JVM needs (loom-bridge reaches VirtualThread's executor hook). */
    static final String ADD_OPENS_KEY = "--add-opens";
    static final String ADD_OPENS_VALUE = "java.base/java.lang=ALL-UNNAMED";

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
}
