package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Regression stress test for the lost wake-up fixed by commit 0c62c88 ("No lost wake-up when newm is refused at
 * maxThreads").
 *
 * <p>The interleaving it used to lose: with {@code maxThreads == maxProcs}, the only carrier finishes its task and
 * gives up its P (findRunnable step 5, a token freed) but is not on the idle-M list yet; a task submitted from
 * outside now wakes: {@code wakep} sees the free token, {@code startm} takes it, finds no idle carrier and calls
 * {@code newm}, which is refused at maxThreads, so {@code giveBack} returns the token. If the carrier's last
 * re-check ran before the submission and its {@code stopm} parked before {@code giveBack}, nobody comes back for
 * the task: giveBack woke nobody, and sysmon, seeing every token free, sleeps for good. The fix: giveBack hands the
 * token to an idle carrier when the global queue has work, and stopm re-checks the global queue under the lock.
 *
 * <p>The test sweeps that window: one external thread submits a task the moment the previous one has run (it
 * spins on the count, so it reacts while the carrier is on its way to parking), after a random delay of 0 to
 * ~2 us, round after round, and requires every task to run within a bound. On the parent of 0c62c88 it hangs
 * within a few thousand rounds (see the README's testing section); here each round takes microseconds.
 * {@code -Dgoloom.stress.rounds=N} changes the number of rounds; the run also stops after 20 s (a loaded machine
 * gets fewer rounds, not a failure).
 */
class NewmRefusedStressTest {
    /** A task that has not run after this long was lost (sysmon cannot rescue it: every token is free). */
    private static final long ROUND_BOUND_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long RUN_BOUND_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void everyExternallySubmittedTaskRunsWhenNewmIsRefusedAtMaxThreads() throws InterruptedException {
        int rounds = Integer.getInteger("goloom.stress.rounds", 50_000);
        run(GoScheduler.builder().maxProcs(1).maxThreads(1).name("newm-refused").build(), rounds);
    }

    /** The same with two Ps and two carriers: the spare token is what wakep, startm and giveBack fight over. */
    @Test
    void everyExternallySubmittedTaskRunsWithTwoProcsAtMaxThreads() throws InterruptedException {
        int rounds = Integer.getInteger("goloom.stress.rounds", 50_000);
        run(GoScheduler.builder().maxProcs(2).maxThreads(2).name("newm-refused-2").build(), rounds);
    }

    /**
     * Not try-with-resources: close() would wait for the lost task for ever. A bounded awaitTermination instead
     * (the carriers are daemon threads).
     */
    private static void run(GoScheduler s, int rounds) throws InterruptedException {
        try {
            int done = submitRoundByRound(s, rounds);
            assertThat(done).as("rounds completed").isGreaterThan(0);
        } finally {
            s.shutdown();
            if (!s.awaitTermination(Duration.ofSeconds(10))) {
                System.err.println("scheduler " + s + " did not terminate within 10 s: " + s.stats().schedtrace());
            }
        }
    }

    /** Returns the number of rounds done; fails if a task does not run within {@link #ROUND_BOUND_NANOS}. */
    private static int submitRoundByRound(GoScheduler s, int rounds) {
        AtomicInteger ran = new AtomicInteger();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long start = System.nanoTime();
        int i = 0;
        for (; i < rounds && System.nanoTime() - start < RUN_BOUND_NANOS; i++) {
            for (int spin = rnd.nextInt(64); spin > 0; spin--) { // sweep the window: 0 to ~2 us
                Thread.onSpinWait();
            }
            s.execute(ran::incrementAndGet);
            long deadline = System.nanoTime() + ROUND_BOUND_NANOS;
            while (ran.get() <= i) {
                if (System.nanoTime() - deadline > 0) {
                    fail("lost wake-up: task " + (i + 1) + " not run after 5 s (" + ran.get() + " of " + (i + 1)
                            + " ran); " + s.stats().schedtrace());
                }
                Thread.onSpinWait();
            }
        }
        assertThat(ran.get()).as("every task ran exactly once").isEqualTo(i);
        return i;
    }
}
