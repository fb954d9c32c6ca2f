package dev.goloom.channels;

import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;

import static dev.goloom.channels.testing.TestSupport.intProp;
import static dev.goloom.channels.testing.TestSupport.join;
import static dev.goloom.channels.testing.TestSupport.waiters;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * N producers and M consumers; every message is received exactly once. Sizes are system properties:
 * {@code goloom.stress.rounds} (default 1) repeats each case, {@code goloom.stress.messages} (default 100000) is
 * the message count per round (a quarter of it on platform threads, whose park/unpark costs microseconds).
 */
class ChanStressTest {
    static final int ROUNDS = intProp("goloom.stress.rounds", 1);
    static final int MESSAGES = intProp("goloom.stress.messages", 100_000);
    static final int PRODUCERS = 4;
    static final int CONSUMERS = 3;

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Runner r : Runner.values()) {
            for (int cap : new int[] {0, 1, 64}) {
                a.add(Arguments.of(r, cap));
            }
        }
        return a.stream();
    }

    private static int messages(Runner r) {
        return r == Runner.PLATFORM ? MESSAGES / 4 : MESSAGES;
    }

    @ParameterizedTest(name = "{0} cap={1}")
    @MethodSource("cases")
    void everyMessageReceivedExactlyOnceInPerProducerOrder(Runner runner, int cap) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int perProducer = messages(runner) / PRODUCERS;
            int total = perProducer * PRODUCERS;
            Chan<Integer> c = Chan.make(cap);
            AtomicIntegerArray seen = new AtomicIntegerArray(total);
            Failures f = new Failures();
            List<Thread> producers = new ArrayList<>();
            List<Thread> consumers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int base = p * perProducer;
                producers.add(runner.start(f.wrap(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        c.send(base + i);
                    }
                })));
            }
            for (int m = 0; m < CONSUMERS; m++) {
                consumers.add(runner.start(f.wrap(() -> {
                    int[] last = new int[PRODUCERS];
                    java.util.Arrays.fill(last, -1);
                    for (Integer v : c) {
                        seen.incrementAndGet(v);
                        int p = v / perProducer;
                        if (v <= last[p]) {
                            throw new AssertionError("producer " + p + " out of order: " + v + " after " + last[p]);
                        }
                        last[p] = v;
                    }
                })));
            }
            for (Thread t : producers) {
                join(t);
            }
            c.close();
            for (Thread t : consumers) {
                join(t);
            }
            f.check();
            assertExactlyOnce(seen, null);
            assertThat(waiters(c)).isZero();
        }
    }

    /**
     * Producers send until the channel is closed at a random moment; producers and consumers are interrupted at
     * random meanwhile. A send that returned normally must be received exactly once; a send that threw
     * (interrupted, or closed) must never be received.
     */
    @ParameterizedTest(name = "{0} cap={1}")
    @MethodSource("cases")
    void randomCloseAndInterruptsLoseAndDuplicateNothing(Runner runner, int cap) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int limit = messages(runner) / PRODUCERS;
            Chan<Integer> c = Chan.make(cap);
            AtomicIntegerArray sent = new AtomicIntegerArray(limit * PRODUCERS);
            AtomicIntegerArray seen = new AtomicIntegerArray(limit * PRODUCERS);
            AtomicInteger received = new AtomicInteger();
            AtomicInteger interruptsSeen = new AtomicInteger();
            Failures f = new Failures();
            List<Thread> producers = new ArrayList<>();
            List<Thread> consumers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int base = p * limit;
                producers.add(runner.start(f.wrap(() -> {
                    for (int i = 0; i < limit; i++) {
                        try {
                            c.send(base + i);
                            sent.set(base + i, 1);
                        } catch (InterruptedException e) {
                            interruptsSeen.incrementAndGet();
                        } catch (ChannelClosedException e) {
                            return;
                        }
                    }
                })));
            }
            for (int m = 0; m < CONSUMERS; m++) {
                consumers.add(runner.start(f.wrap(() -> {
                    for (;;) {
                        Integer v;
                        try {
                            v = c.recv();
                        } catch (InterruptedException e) {
                            interruptsSeen.incrementAndGet();
                            continue;
                        }
                        if (v == null) {
                            return;
                        }
                        seen.incrementAndGet(v);
                        received.incrementAndGet();
                    }
                })));
            }
            // Chaos: interrupt random workers while traffic flows, then close at a random point.
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int closeAt = rnd.nextInt(limit / 4, limit * PRODUCERS * 3 / 4);
            List<Thread> all = new ArrayList<>(producers);
            all.addAll(consumers);
            int nextInterrupt = 0;
            while (received.get() < closeAt && producers.stream().anyMatch(Thread::isAlive)) {
                if (received.get() >= nextInterrupt) {
                    all.get(rnd.nextInt(all.size())).interrupt();
                    nextInterrupt += Math.max(1, closeAt / 50);
                }
                Thread.onSpinWait();
                Thread.yield();
            }
            c.close();
            for (Thread t : producers) {
                join(t);
            }
            for (Thread t : consumers) {
                join(t);
            }
            f.check();
            assertExactlyOnce(seen, sent);
            assertThat(waiters(c)).isZero();
        }
    }

    /** {@code seen[i] == 1} for every i sent (all i when {@code sent} is null) and 0 otherwise. */
    static void assertExactlyOnce(AtomicIntegerArray seen, AtomicIntegerArray sent) {
        int lost = 0;
        int dup = 0;
        int phantom = 0;
        for (int i = 0; i < seen.length(); i++) {
            int expected = sent == null ? 1 : sent.get(i);
            int s = seen.get(i);
            if (s > 1) {
                dup++;
            } else if (s < expected) {
                lost++;
            } else if (s > expected) {
                phantom++;
            }
        }
        assertThat(lost).as("messages sent but never received").isZero();
        assertThat(dup).as("messages received more than once").isZero();
        assertThat(phantom).as("messages received although their send failed").isZero();
    }
}
