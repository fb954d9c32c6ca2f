package dev.goloom.report;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.scheduler.SchedulerStats;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.LongAdder;

/**
 * The main job's demo: one goroutine starts {@code n} goroutines on a fresh goloom scheduler (maxProcs = cores),
 * each does a little work, yields once and ends; the starter joins them all. The starter's P takes every new
 * goroutine first (runnext, then its local ring, then the global queue when the ring overflows), so the other
 * carriers have to steal, the yields go through the global queue, and the global queue is polled on fairness
 * ticks. The stats printed afterwards show each of those.
 */
final class Demo {
    private Demo() {
    }

    static void run(int n, PrintStream out) throws InterruptedException {
        int procs = Runtime.getRuntime().availableProcessors();
        Session session = Side.GOLOOM.open("goloom-demo", "demo-");
        ThreadFactory threads = session.threads();
        LongAdder ran = new LongAdder();
        SchedulerStats[] midway = new SchedulerStats[1];
        long[] elapsed = new long[1];
        Thread main = threads.newThread(() -> {
            long t0 = System.nanoTime();
            Thread[] gs = new Thread[n];
            for (int i = 0; i < n; i++) {
                int id = i;
                gs[i] = threads.newThread(() -> {
                    work(id);
                    Thread.yield(); // Go: Gosched, to the back of the global queue
                    work(id + 1);
                    ran.increment();
                });
                gs[i].start();
            }
            midway[0] = session.stats();
            for (Thread g : gs) {
                joinUninterruptibly(g);
            }
            elapsed[0] = System.nanoTime() - t0;
        });
        try (session) {
            main.start();
            if (!main.join(Duration.ofMinutes(5))) {
                throw new IllegalStateException("demo: goroutines did not finish within 5 minutes: "
                        + session.stats().schedtrace());
            }
        }
        SchedulerStats s = session.stats();
        out.printf("== demo: %,d goroutines on goloom (GoScheduler maxProcs=%d) ==%n", n, procs);
        out.printf("started and joined %,d goroutines in %.1f ms (%.0f ns per goroutine); %,d ran to the end%n",
                n, elapsed[0] / 1e6, (double) elapsed[0] / n, ran.sum());
        if (ran.sum() != n) {
            throw new IllegalStateException("demo: " + ran.sum() + " of " + n + " goroutines ran");
        }
        out.println("while starting: " + midway[0].schedtrace());
        out.println("after close:    " + s.schedtrace());
        out.printf("  steals              %,d (%,d goroutines stolen, %,d from a runnext slot)%n",
                s.steals(), s.tasksStolen(), s.runnextSteals());
        out.printf("  runnext puts        %,d%n", s.runnextPuts());
        out.printf("  fairness-tick polls %,d (global queue polled first on every 61st schedule tick)%n",
                s.globalPollsByFairnessTick());
        out.printf("  local / global puts %,d / %,d; other global polls %,d; yields %,d%n",
                s.localPuts(), s.globalPuts(), s.globalPolls(), s.yields());
        out.printf("  tasks run           %,d; carriers (peak) %d; carrier parks/unparks %,d / %,d%n",
                s.tasksRun(), s.threadsHighWater(), s.threadParks(), s.threadUnparks());
    }

    /** A few hundred nanoseconds of arithmetic the JIT cannot remove (its result feeds {@link #sink}). */
    private static void work(int seed) {
        int x = seed;
        for (int i = 0; i < 200; i++) {
            x = x * 1_103_515_245 + 12_345;
        }
        if (x == 42) {
            sink++;
        }
    }

    @SuppressWarnings("unused")
    private static volatile int sink;

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        for (;;) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
