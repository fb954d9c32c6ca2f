package dev.goloom.jmh;

/**
 * The anchor workloads that need goloom channels ({@code dev.goloom.channels}) or select
 * ({@code dev.goloom.select}).
 */
final class ChannelWorkloads {
    private ChannelWorkloads() {
    }

    private static final String NO_CHANNELS = "needs dev.goloom.channels, not built yet";
    private static final String NO_SELECT = "needs dev.goloom.select, not built yet";

    static Workload pingpong() {
        return new Workload("pingpong", "ns/roundtrip", 1_000_000, 100_000, true,
                "two goroutines exchange a value over two unbuffered channels", null, NO_CHANNELS);
    }

    static Workload selectpingpong() {
        return new Workload("selectpingpong", "ns/roundtrip", 1_000_000, 100_000, true,
                "as pingpong, but the echo side waits in a two-case select", null, NO_SELECT);
    }

    static Workload buffered() {
        return new Workload("buffered", "ns/msg", 10_000_000, 1_000_000, true,
                "one producer, one consumer, channel capacity 1024", null, NO_CHANNELS);
    }

    static Workload fanin() {
        return new Workload("fanin", "ns/msg", 5_000_000, 500_000, true,
                "4*cores producers send n messages in total into one channel of capacity 128", null, NO_CHANNELS);
    }

    static Workload skynet() {
        return new Workload("skynet", "ms", 1_000_000, 100_000, true,
                "a tree of n leaf goroutines (fan-out 10) summing their ids over channels", null, NO_CHANNELS);
    }

    static Workload sieve() {
        return new Workload("sieve", "ms", 2_000, 500, true,
                "the concurrent prime sieve, one goroutine per prime found, n primes", null, NO_CHANNELS);
    }
}
