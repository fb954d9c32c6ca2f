package dev.goloom.report;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;

/**
 * The anchor workloads ported to the {@code java.util.concurrent} queue a Java programmer would pick for each Go
 * channel, run on the JDK's default scheduler (the report's {@code j.u.c} side): {@link SynchronousQueue} for an
 * unbuffered channel, {@link ArrayBlockingQueue} of the same capacity for a buffered one. A queue cannot be closed,
 * so where Go closes a channel to end a loop the port sends a poison value ({@link #END}), and blocked goroutines are
 * released by handing each one a value. Same structure, sizes and timed section as {@link ChannelWorkloads}.
 */
final class QueueWorkloads {
    private QueueWorkloads() {
    }

    /** The poison value that plays Go's {@code close(c)} for a queue of non-negative numbers. */
    private static final Integer END = -1;

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

    /** Go: {@code pingpong}, over two {@link SynchronousQueue}s. */
    static double pingpong(ThreadFactory threads, int n) throws InterruptedException {
        BlockingQueue<Integer> a = new SynchronousQueue<>(), b = new SynchronousQueue<>();
        Thread echo = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                b.put(a.take());
            }
        });
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            a.put(i);
            b.take();
        }
        double r = (double) (System.nanoTime() - t0) / n;
        echo.join();
        return r;
    }

    /** Go: {@code buffered}, an {@link ArrayBlockingQueue} of capacity 1024 ended by {@link #END}. */
    static double buffered(ThreadFactory threads, int n) throws InterruptedException {
        BlockingQueue<Integer> c = new ArrayBlockingQueue<>(1024);
        long t0 = System.nanoTime();
        Thread producer = go(threads, () -> {
            for (int i = 0; i < n; i++) {
                c.put(i);
            }
            c.put(END);
        });
        long received = 0;
        while (c.take() != END) { // Go: for range c
            received++;
        }
        double r = (double) (System.nanoTime() - t0) / n;
        producer.join();
        check(received == n, "buffered (j.u.c): received " + received + " of " + n);
        return r;
    }

    /** Go: {@code fanin}, into one {@link ArrayBlockingQueue} of capacity 128. */
    static double fanin(ThreadFactory threads, int n) throws InterruptedException {
        int producers = 4 * Runtime.getRuntime().availableProcessors();
        BlockingQueue<Integer> c = new ArrayBlockingQueue<>(128);
        int per = n / producers;
        long t0 = System.nanoTime();
        Thread[] ps = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            ps[p] = go(threads, () -> {
                for (int i = 0; i < per; i++) {
                    c.put(i);
                }
            });
        }
        for (int i = 0; i < per * producers; i++) {
            c.take();
        }
        double r = (double) (System.nanoTime() - t0) / ((long) per * producers);
        for (Thread t : ps) {
            t.join();
        }
        return r;
    }

    /** Go: {@code skynet}; each node's result channel an {@link ArrayBlockingQueue} of capacity 10 (the root's 1). */
    static double skynet(ThreadFactory threads, int n) throws InterruptedException {
        BlockingQueue<Long> c = new ArrayBlockingQueue<>(1);
        long t0 = System.nanoTime();
        skynetNode(threads, c, 0, n, 10);
        long sum = c.take();
        double r = (System.nanoTime() - t0) / 1e6;
        check(sum == (long) n * (n - 1) / 2, "skynet (j.u.c): wrong sum " + sum + " for n=" + n);
        return r;
    }

    private static void skynetNode(ThreadFactory threads, BlockingQueue<Long> c, long num, int size, int div)
            throws InterruptedException {
        if (size == 1) {
            c.put(num);
            return;
        }
        BlockingQueue<Long> rc = new ArrayBlockingQueue<>(div);
        int sub = size / div;
        for (int i = 0; i < div; i++) {
            long childNum = num + (long) i * sub;
            go(threads, () -> skynetNode(threads, rc, childNum, sub, div));
        }
        long sum = 0;
        for (int i = 0; i < div; i++) {
            sum += rc.take();
        }
        c.put(sum);
    }

    /** Go: {@code sieve}, each channel a {@link SynchronousQueue}; stopped as in {@link ChannelWorkloads#sieve}. */
    static double sieve(ThreadFactory threads, int n) throws InterruptedException {
        List<Thread> started = new ArrayList<>(n + 1);
        long t0 = System.nanoTime();
        BlockingQueue<Integer> gen = new SynchronousQueue<>();
        started.add(go(threads, () -> {
            for (int i = 2; ; i++) {
                gen.put(i);
            }
        }));
        BlockingQueue<Integer> ch = gen;
        int last = 0;
        for (int i = 0; i < n; i++) {
            int prime = ch.take();
            last = prime;
            BlockingQueue<Integer> in = ch, out = new SynchronousQueue<>();
            started.add(go(threads, () -> {
                for (;;) {
                    int v = in.take();
                    if (v % prime != 0) {
                        out.put(v);
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
        check(n != 2000 || last == 17389, "sieve (j.u.c): wrong 2000th prime " + last);
        return r;
    }

    /** Go: {@code parked}: threads blocked in {@link SynchronousQueue#take}, released by one put each. */
    static double parked(ThreadFactory threads, int n) throws InterruptedException {
        BlockingQueue<Integer> block = new SynchronousQueue<>();
        return Workloads.parked(threads, n, () -> {
            try {
                block.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, () -> {
            try {
                for (int i = 0; i < n; i++) {
                    block.put(0);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException("parked (j.u.c): interrupted while releasing the threads", e);
            }
        });
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
