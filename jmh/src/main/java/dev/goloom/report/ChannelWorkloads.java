package dev.goloom.report;

import dev.goloom.channels.Chan;
import dev.goloom.report.Workload.Twin;
import dev.goloom.select.Select;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;

/**
 * The anchor workloads that use goloom channels ({@link Chan}) and select ({@link Select}), ported line by line
 * from {@code bench/go/main.go}. The same code runs on the goloom and the JDK side: channels park and unpark with
 * {@code LockSupport}, so on the JDK side they run on the JDK's scheduler and on the goloom side on goloom's. Each
 * workload also names its ports to {@code java.util.concurrent} queues ({@link QueueWorkloads}) and to jox
 * ({@link JoxWorkloads}), run on the JDK's scheduler. Elements are boxed ({@code Integer}/{@code Long}) where Go
 * sends machine ints; every Java side pays that alike.
 */
final class ChannelWorkloads {
    private ChannelWorkloads() {
    }

    /** Why j.u.c has no twin of a select workload. */
    private static final String NO_JUC_SELECT = "java.util.concurrent has no select over several queues (polling "
            + "them in a loop would be another algorithm)";

    static Workload pingpong() {
        return new Workload("pingpong", "ns/roundtrip", 1_000_000, 100_000, true,
                "two goroutines exchange a value over two unbuffered channels (j.u.c: two SynchronousQueues; "
                        + "jox: two rendezvous channels)", ChannelWorkloads::pingpong,
                Twin.of("SynchronousQueue", QueueWorkloads::pingpong), Twin.of("jox", JoxWorkloads::pingpong));
    }

    static Workload selectpingpong() {
        return new Workload("selectpingpong", "ns/roundtrip", 1_000_000, 100_000, true,
                "as pingpong, but the echo side waits in a two-case select (jox: Select.select over two "
                        + "receive clauses; j.u.c: none, it has no select)", ChannelWorkloads::selectPingpong,
                Twin.none(NO_JUC_SELECT), Twin.of("jox", JoxWorkloads::selectPingpong));
    }

    static Workload buffered() {
        return new Workload("buffered", "ns/msg", 10_000_000, 1_000_000, true,
                "one producer, one consumer, channel capacity 1024 (j.u.c: ArrayBlockingQueue(1024) ended by a "
                        + "poison value; jox: buffered channel of 1024 ended by done())", ChannelWorkloads::buffered,
                Twin.of("ArrayBlockingQueue", QueueWorkloads::buffered), Twin.of("jox", JoxWorkloads::buffered));
    }

    static Workload fanin() {
        return new Workload("fanin", "ns/msg", 5_000_000, 500_000, true,
                "4*cores producers send n messages in total into one channel of capacity 128 (j.u.c: "
                        + "ArrayBlockingQueue(128); jox: buffered channel of 128)", ChannelWorkloads::fanin,
                Twin.of("ArrayBlockingQueue", QueueWorkloads::fanin), Twin.of("jox", JoxWorkloads::fanin));
    }

    static Workload skynet() {
        return new Workload("skynet", "ms", 1_000_000, 100_000, true,
                "a tree of n leaf goroutines (fan-out 10) summing their ids over channels; n a power of 10 (each "
                        + "node's result channel: j.u.c ArrayBlockingQueue(10), jox buffered channel of 10)",
                ChannelWorkloads::skynet,
                Twin.of("ArrayBlockingQueue", QueueWorkloads::skynet), Twin.of("jox", JoxWorkloads::skynet));
    }

    static Workload sieve() {
        return new Workload("sieve", "ms", 2_000, 500, true,
                "the concurrent prime sieve, one goroutine per prime found, n primes (unbuffered channels; j.u.c: "
                        + "SynchronousQueue; jox: rendezvous channels)", ChannelWorkloads::sieve,
                Twin.of("SynchronousQueue", QueueWorkloads::sieve), Twin.of("jox", JoxWorkloads::sieve));
    }

    static Workload parked() {
        return new Workload("parked", "bytes/goroutine", 100_000, 20_000, true,
                "heap per goroutine blocked in a channel receive (j.u.c: SynchronousQueue.take; jox: a rendezvous "
                        + "channel's receive); no CPU figure: the round is mostly full GCs",
                ChannelWorkloads::parked,
                Twin.of("SynchronousQueue", QueueWorkloads::parked), Twin.of("jox", JoxWorkloads::parked));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A goroutine body that may be interrupted (channel operations throw {@link InterruptedException}). */
    @FunctionalInterface
    private interface Body {
        void run() throws InterruptedException;
    }

    /**
     * Go's {@code go f()}: starts {@code body} in a new thread of {@code threads}. An interrupt ends it quietly
     * (that is how the sieve's endless goroutines are stopped); anything else goes to the uncaught handler.
     */
    private static Thread go(ThreadFactory threads, Body body) {
        Thread t = threads.newThread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                // asked to stop
            }
        });
        t.start();
        return t;
    }

    private static double perOp(long t0, long ops) {
        return (double) (System.nanoTime() - t0) / ops;
    }

    private static double millisSince(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    // -------------------------------------------------------------------------------------------- workloads

    /** Go: {@code pingpong}. */
    static double pingpong(ThreadFactory threads, int n) throws InterruptedException {
        Chan<Integer> a = Chan.make(), b = Chan.make();
        Thread echo = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                b.send(a.recv());
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            a.send(i);
            b.recv();
        }
        double r = perOp(t0, n);
        echo.join();
        return r;
    }

    /** Go: {@code selectpingpong}. The select is built once and reused, as a Go loop re-enters the statement. */
    static double selectPingpong(ThreadFactory threads, int n) throws InterruptedException {
        Chan<Integer> a = Chan.make(), b = Chan.make(), quit = Chan.make();
        Thread echo = go(threads, () -> {
            Select sel = Select.of().recv(a).recv(quit);
            for (int i = 0; i < n; i++) {
                if (sel.select() == 0) {
                    b.send(sel.received());
                } else {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            a.send(i);
            b.recv();
        }
        double r = perOp(t0, n);
        echo.join();
        return r;
    }

    /** Go: {@code buffered}. */
    static double buffered(ThreadFactory threads, int n) throws InterruptedException {
        Chan<Integer> c = Chan.make(1024);
        long t0 = System.nanoTime();
        Thread producer = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                c.send(i);
            }
            c.close();
        });
        long received = 0;
        while (c.recv() != null) { // Go: for range c
            received++;
        }
        double r = perOp(t0, n);
        producer.join();
        check(received == n, "buffered: received " + received + " of " + n);
        return r;
    }

    /** Go: {@code fanin}, with GOMAXPROCS = available processors. */
    static double fanin(ThreadFactory threads, int n) throws InterruptedException {
        int producers = 4 * Runtime.getRuntime().availableProcessors();
        Chan<Integer> c = Chan.make(128);
        int per = n / producers;
        long t0 = System.nanoTime();
        Thread[] ps = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            ps[p] = go(threads, () -> {
                for (int i = 0; i < per; i++) {
                    c.send(i);
                }
            });
        }
        for (int i = 0; i < per * producers; i++) {
            c.recv();
        }
        double r = perOp(t0, (long) per * producers);
        for (Thread t : ps) {
            t.join();
        }
        return r;
    }

    /** Go: {@code skynet}. */
    static double skynet(ThreadFactory threads, int n) throws InterruptedException {
        Chan<Long> c = Chan.make(1);
        long t0 = System.nanoTime();
        skynetNode(threads, c, 0, n, 10);
        long sum = c.recv();
        double r = millisSince(t0);
        check(sum == (long) n * (n - 1) / 2, "skynet: wrong sum " + sum + " for n=" + n);
        return r;
    }

    private static void skynetNode(ThreadFactory threads, Chan<Long> c, long num, int size, int div)
            throws InterruptedException {
        if (size == 1) {
            c.send(num);
            return;
        }
        Chan<Long> rc = Chan.make(div);
        int sub = size / div;
        for (int i = 0; i < div; i++) {
            long childNum = num + (long) i * sub;
            go(threads, () -> skynetNode(threads, rc, childNum, sub, div));
        }
        long sum = 0;
        for (int i = 0; i < div; i++) {
            sum += rc.recv();
        }
        c.send(sum);
    }

    /**
     * Go: {@code sieve}. Go leaves the generator and filters blocked forever when the function returns; here they
     * are interrupted and joined after the clock stops, so every round starts clean and goloom's close() (which
     * waits for every goroutine) ends.
     */
    static double sieve(ThreadFactory threads, int n) throws InterruptedException {
        List<Thread> started = new ArrayList<>(n + 1);
        long t0 = System.nanoTime();
        Chan<Integer> gen = Chan.make();
        started.add(go(threads, () -> {
            for (int i = 2; ; i++) {
                gen.send(i);
            }
        }));
        Chan<Integer> ch = gen;
        int last = 0;
        for (int i = 0; i < n; i++) {
            int prime = ch.recv();
            last = prime;
            Chan<Integer> in = ch, out = Chan.make();
            started.add(go(threads, () -> {
                for (;;) {
                    int v = in.recv();
                    if (v % prime != 0) {
                        out.send(v);
                    }
                }
            }));
            ch = out;
        }
        double r = millisSince(t0);
        for (Thread t : started) {
            t.interrupt();
        }
        for (Thread t : started) {
            t.join();
        }
        check(n != 2000 || last == 17389, "sieve: wrong 2000th prime " + last);
        return r;
    }

    /** Go: {@code parked}: goroutines blocked in a receive on a channel that is closed afterwards. */
    static double parked(ThreadFactory threads, int n) throws InterruptedException {
        Chan<Integer> block = Chan.make();
        return Workloads.parked(threads, n, () -> {
            try {
                block.recv(); // returns null when closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, block::close);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
