package dev.goloom.channels.internal;

import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.goloom.channels.testing.TestSupport.WAIT;
import static dev.goloom.channels.testing.TestSupport.intProp;
import static dev.goloom.channels.testing.TestSupport.join;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contended path of the channels' locks excludes: threads that all contend for one lock each increment a plain
 * counter inside it with a read, a pause and a write, and not one increment is lost: with more threads than
 * processors, waiters go through every stage (spaced looks, yield, start over).
 */
class SpinLocksTest {
    static final int ROUNDS = intProp("goloom.stress.rounds", 1) * 5;
    static final int THREADS = 6;
    static final int INCREMENTS = 20_000;

    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(Guarded.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final class Guarded {
        int lock;
        long count; // guarded by lock, read and written plainly

        void lock() {
            if (!LOCK.compareAndSet(this, 0, 1)) {
                SpinLocks.acquireContended(LOCK, this);
            }
        }

        void unlock() {
            LOCK.setRelease(this, 0);
        }

        void increment() {
            lock();
            try {
                long c = count;
                Thread.onSpinWait(); // widen the read-then-write window a lost update needs
                count = c + 1;
            } finally {
                unlock();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void noIncrementIsLostUnderContention(Runner runner) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Guarded g = new Guarded();
            Failures f = new Failures();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < THREADS; t++) {
                threads.add(runner.start(f.wrap(() -> {
                    assertThat(start.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("start").isTrue();
                    for (int i = 0; i < INCREMENTS; i++) {
                        g.increment();
                    }
                })));
            }
            start.countDown();
            for (Thread t : threads) {
                join(t, f);
            }
            f.check();
            assertThat(g.count).as("increments in round %d on %s", round, runner)
                    .isEqualTo((long) THREADS * INCREMENTS);
            assertThat((int) LOCK.getVolatile(g)).as("lock left free").isZero();
        }
    }
}
