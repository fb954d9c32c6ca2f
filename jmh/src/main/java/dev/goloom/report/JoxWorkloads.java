package dev.goloom.report;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.Select;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;

/**
 * The anchor workloads ported to jox ({@code com.softwaremill.jox}, Go-like channels for Java), run on the JDK's
 * default scheduler (the report's {@code jox} side): a rendezvous channel for an unbuffered Go channel, a buffered
 * channel of the same capacity for a buffered one, {@code done()} for {@code close}, and {@link Select} for
 * {@code select} (jox builds its clauses per select, as its API asks). Same structure, sizes and timed section as
 * {@link ChannelWorkloads}.
 */
final class JoxWorkloads {
    private JoxWorkloads() {
    }

    @FunctionalInterface
    private interface Body {
        void run() throws InterruptedException;
    }

    /** Go's {@code go f()}; an interrupt ends the thread quietly (how the sieve's endless goroutines stop). */
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

    /** Go: {@code pingpong}, over two rendezvous channels. */
    static double pingpong(ThreadFactory threads, int n) throws InterruptedException {
        Channel<Integer> a = Channel.newRendezvousChannel(), b = Channel.newRendezvousChannel();
        Thread echo = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                b.send(a.receive());
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            a.send(i);
            b.receive();
        }
        double r = (double) (System.nanoTime() - t0) / n;
        echo.join();
        return r;
    }

    /** Go: {@code selectpingpong}: the echo side waits in a two-clause {@link Select#select}. */
    static double selectPingpong(ThreadFactory threads, int n) throws InterruptedException {
        Channel<Integer> a = Channel.newRendezvousChannel(), b = Channel.newRendezvousChannel();
        Channel<Integer> quit = Channel.newRendezvousChannel();
        Integer quitMark = Integer.MIN_VALUE; // a box of its own: compared by identity
        Thread echo = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                Integer v = Select.select(a.receiveClause(), quit.receiveClause(x -> quitMark));
                if (v == quitMark) {
                    return;
                }
                b.send(v);
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            a.send(i);
            b.receive();
        }
        double r = (double) (System.nanoTime() - t0) / n;
        echo.join();
        return r;
    }

    /** Go: {@code buffered}: capacity 1024, ended by {@code done()} as Go's loop is by {@code close}. */
    static double buffered(ThreadFactory threads, int n) throws InterruptedException {
        Channel<Integer> c = Channel.newBufferedChannel(1024);
        long t0 = System.nanoTime();
        Thread producer = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                c.send(i);
            }
            c.done();
        });
        long received = 0;
        while (!(c.receiveOrClosed() instanceof ChannelDone)) { // Go: for range c
            received++;
        }
        double r = (double) (System.nanoTime() - t0) / n;
        producer.join();
        check(received == n, "buffered (jox): received " + received + " of " + n);
        return r;
    }

    /** Go: {@code fanin}, into one buffered channel of capacity 128. */
    static double fanin(ThreadFactory threads, int n) throws InterruptedException {
        int producers = 4 * Runtime.getRuntime().availableProcessors();
        Channel<Integer> c = Channel.newBufferedChannel(128);
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
            c.receive();
        }
        double r = (double) (System.nanoTime() - t0) / ((long) per * producers);
        for (Thread t : ps) {
            t.join();
        }
        return r;
    }

    /** Go: {@code skynet}; each node's result channel buffered with capacity 10 (the root's 1). */
    static double skynet(ThreadFactory threads, int n) throws InterruptedException {
        Channel<Long> c = Channel.newBufferedChannel(1);
        long t0 = System.nanoTime();
        skynetNode(threads, c, 0, n, 10);
        long sum = c.receive();
        double r = (System.nanoTime() - t0) / 1e6;
        check(sum == (long) n * (n - 1) / 2, "skynet (jox): wrong sum " + sum + " for n=" + n);
        return r;
    }

    private static void skynetNode(ThreadFactory threads, Channel<Long> c, long num, int size, int div)
            throws InterruptedException {
        if (size == 1) {
            c.send(num);
            return;
        }
        Channel<Long> rc = Channel.newBufferedChannel(div);
        int sub = size / div;
        for (int i = 0; i < div; i++) {
            long childNum = num + (long) i * sub;
            go(threads, () -> skynetNode(threads, rc, childNum, sub, div));
        }
        long sum = 0;
        for (int i = 0; i < div; i++) {
            sum += rc.receive();
        }
        c.send(sum);
    }

    /** Go: {@code sieve}, each channel a rendezvous channel; stopped as in {@link ChannelWorkloads#sieve}. */
    static double sieve(ThreadFactory threads, int n) throws InterruptedException {
        List<Thread> started = new ArrayList<>(n + 1);
        long t0 = System.nanoTime();
        Channel<Integer> gen = Channel.newRendezvousChannel();
        started.add(go(threads, () -> {
            for (int i = 2; ; i++) {
                gen.send(i);
            }
        }));
        Channel<Integer> ch = gen;
        int last = 0;
        for (int i = 0; i < n; i++) {
            int prime = ch.receive();
            last = prime;
            Channel<Integer> in = ch, out = Channel.newRendezvousChannel();
            started.add(go(threads, () -> {
                for (;;) {
                    int v = in.receive();
                    if (v % prime != 0) {
                        out.send(v);
                    }
                }
            }));
            ch = out;
        }
        double r = (System.nanoTime() - t0) / 1e6;
        for (Thread t : started) {
            t.interrupt();
        }
        for (Thread t : started) {
            t.join();
        }
        check(n != 2000 || last == 17389, "sieve (jox): wrong 2000th prime " + last);
        return r;
    }

    /** Go: {@code parked}: threads blocked in a rendezvous channel's receive, released by {@code done()}. */
    static double parked(ThreadFactory threads, int n) throws InterruptedException {
        Channel<Integer> block = Channel.newRendezvousChannel();
        return Workloads.parked(threads, n, () -> {
            try {
                block.receiveOrClosed(); // ChannelDone once done() is called
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, block::done);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
