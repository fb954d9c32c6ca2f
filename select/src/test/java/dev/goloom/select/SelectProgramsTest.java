package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.Chans;
import dev.goloom.channels.ReceiveChannel;
import dev.goloom.channels.SendChannel;
import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import dev.goloom.channels.testing.TestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.goloom.channels.testing.TestSupport.intProp;
import static dev.goloom.channels.testing.TestSupport.join;
import static dev.goloom.channels.testing.TestSupport.waiters;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Classic Go select programs, written from their descriptions, each run on goloom and on the JDK's default
 * scheduler. {@code -Dgoloom.stress.rounds=N} repeats the double-select stress N times (default 2).
 */
class SelectProgramsTest {
    static final int ROUNDS = intProp("goloom.stress.rounds", 2);

    enum Sched {
        GOLOOM(Runner.GOLOOM), JDK_VIRTUAL(Runner.JDK_VIRTUAL);

        final Runner runner;

        Sched(Runner r) {
            this.runner = r;
        }
    }

    /** Fan-in: a multiplexer selects over two inputs and forwards to one output until both inputs are closed. */
    @ParameterizedTest
    @EnumSource(Sched.class)
    void fanInMultiplexer(Sched s) throws Exception {
        Runner runner = s.runner;
        int perInput = 20_000;
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make(8);
        Chan<Integer> out = Chan.make();
        Failures f = new Failures();
        Thread pa = runner.start(f.wrap(() -> produce(a, 0, perInput)));
        Thread pb = runner.start(f.wrap(() -> produce(b, perInput, perInput)));
        Thread mux = runner.start(f.wrap(() -> {
            Select sel = new Select();
            int[] open = {2};
            sel.recv(a, v -> forward(sel, 0, v, out, open));
            sel.recv(b, v -> forward(sel, 1, v, out, open));
            while (open[0] > 0) {
                sel.select();
            }
            out.close();
        }));
        AtomicIntegerArray seen = new AtomicIntegerArray(2 * perInput);
        int n = 0;
        for (Integer v : out) {
            seen.incrementAndGet(v);
            n++;
        }
        join(pa);
        join(pb);
        join(mux);
        f.check();
        assertThat(n).isEqualTo(2 * perInput);
        for (int i = 0; i < 2 * perInput; i++) {
            assertThat(seen.get(i)).isEqualTo(1);
        }
        assertThat(waiters(a) + waiters(b) + waiters(out)).isZero();
    }

    private static void produce(SendChannel<Integer> c, int base, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            c.send(base + i);
        }
        c.close();
    }

    private static void forward(Select sel, int caseIndex, Integer v, Chan<Integer> out, int[] open) {
        if (v == null) { // closed: Go's `a = nil`
            sel.disable(caseIndex);
            open[0]--;
            return;
        }
        try {
            out.send(v);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Timeout loop: receive results until the producer closes, counting a timeout whenever none arrives within
     * the deadline. The producer pauses mid-way until the consumer has seen a timeout, so a timeout must happen.
     */
    @ParameterizedTest
    @EnumSource(Sched.class)
    void timeoutLoop(Sched s) throws Exception {
        Runner runner = s.runner;
        Chan<Integer> results = Chan.make();
        Chan<Boolean> sawTimeout = Chan.make(1);
        Failures f = new Failures();
        Thread producer = runner.start(f.wrap(() -> {
            for (int i = 0; i < 100; i++) {
                results.send(i);
            }
            sawTimeout.recv(); // stall until the consumer timed out at least once
            for (int i = 100; i < 200; i++) {
                results.send(i);
            }
            results.close();
        }));
        int[] got = {0};
        int[] timeouts = {0};
        boolean[] done = {false};
        while (!done[0]) {
            Select.of()
                    .recv(results, v -> {
                        if (v == null) {
                            done[0] = true;
                        } else {
                            assertThat(v).isEqualTo(got[0]);
                            got[0]++;
                        }
                    })
                    .recv(Chans.after(Duration.ofMillis(20)), t -> {
                        timeouts[0]++;
                        sawTimeout.trySend(true);
                    })
                    .select();
        }
        join(producer);
        f.check();
        assertThat(got[0]).isEqualTo(200);
        assertThat(timeouts[0]).isGreaterThanOrEqualTo(1);
        assertThat(waiters(results)).isZero();
    }

    /** Quit channel: a worker processes jobs until quit is closed, then acknowledges and exits. */
    @ParameterizedTest
    @EnumSource(Sched.class)
    void quitChannelWorker(Sched s) throws Exception {
        Runner runner = s.runner;
        Chan<Integer> jobs = Chan.make(4);
        Chan<Void> quit = Chan.make();
        Chan<Integer> done = Chan.make();
        Failures f = new Failures();
        int workers = 3;
        AtomicInteger processed = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            ts.add(runner.start(f.wrap(() -> {
                int[] mine = {0};
                boolean[] stop = {false};
                Select sel = Select.of().recv(jobs, j -> {
                    processed.incrementAndGet();
                    mine[0]++;
                }).recv(quit, q -> stop[0] = true);
                while (!stop[0]) {
                    sel.select();
                }
                done.send(mine[0]);
            })));
        }
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            jobs.send(i);
        }
        // Every job is taken before quit is closed only if we wait for the buffer to drain.
        TestSupport.awaitTrue("jobs drained", () -> jobs.len() == 0);
        TestSupport.awaitTrue("all processed", () -> processed.get() == n);
        quit.close();
        int total = 0;
        for (int w = 0; w < workers; w++) {
            total += done.recv();
        }
        for (Thread t : ts) {
            join(t);
        }
        f.check();
        assertThat(total).isEqualTo(n);
        assertThat(waiters(jobs) + waiters(quit) + waiters(done)).isZero();
    }

    /**
     * Double select: many goroutines receive by selecting over the same pair of channels while producers send by
     * selecting over the same pair; channels are closed at the end. Every value arrives exactly once and no
     * waiter is left in either channel.
     */
    @ParameterizedTest
    @EnumSource(Sched.class)
    void doubleSelectStress(Sched s) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            for (int cap : new int[] {0, 4}) {
                doubleSelect(s.runner, cap);
            }
        }
    }

    private void doubleSelect(Runner runner, int cap) throws Exception {
        Chan<Integer> a = Chan.make(cap);
        Chan<Integer> b = Chan.make(cap);
        int producers = 4;
        int consumers = 4;
        int perProducer = 10_000;
        AtomicIntegerArray seen = new AtomicIntegerArray(producers * perProducer);
        Failures f = new Failures();
        List<Thread> ps = new ArrayList<>();
        List<Thread> cs = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            ps.add(runner.start(f.wrap(() -> {
                int[] next = {base};
                Select sel = Select.of().sendFrom(a, () -> next[0], null).sendFrom(b, () -> next[0], null);
                for (int i = 0; i < perProducer; i++) {
                    sel.select();
                    next[0]++;
                }
            })));
        }
        for (int c = 0; c < consumers; c++) {
            cs.add(runner.start(f.wrap(() -> {
                int[] open = {2};
                Select sel = new Select();
                sel.recv(a, v -> take(sel, 0, v, seen, open));
                sel.recv(b, v -> take(sel, 1, v, seen, open));
                // every few selects, also race a timed select against the traffic
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (open[0] > 0) {
                    if (rnd.nextInt(16) == 0) {
                        sel.select(Duration.ofNanos(rnd.nextInt(50_000)));
                    } else {
                        sel.select();
                    }
                }
            })));
        }
        for (Thread t : ps) {
            join(t, f);
        }
        a.close();
        b.close();
        for (Thread t : cs) {
            join(t, f);
        }
        f.check();
        for (int i = 0; i < seen.length(); i++) {
            assertThat(seen.get(i)).as("value %d", i).isEqualTo(1);
        }
        assertThat(waiters(a)).as("leaked waiters on a").isZero();
        assertThat(waiters(b)).as("leaked waiters on b").isZero();
    }

    private static void take(Select sel, int caseIndex, Integer v, AtomicIntegerArray seen, int[] open) {
        if (v == null) {
            sel.disable(caseIndex);
            open[0]--;
        } else {
            seen.incrementAndGet(v);
        }
    }

    /**
     * Concurrent prime sieve with select: a generator feeds a chain of filters; each stage selects between its
     * input and a quit channel. The first 200 primes are checked, then quit stops every stage.
     */
    @ParameterizedTest
    @EnumSource(Sched.class)
    void primeSieve(Sched s) throws Exception {
        Runner runner = s.runner;
        int count = 200;
        Chan<Void> quit = Chan.make();
        List<Thread> stages = new ArrayList<>();
        Failures f = new Failures();
        Chan<Integer> src = Chan.make();
        stages.add(runner.start(f.wrap(() -> {
            boolean[] stop = {false};
            int[] next = {2};
            Select sel = Select.of().sendFrom(src, () -> next[0], () -> next[0]++).recv(quit, q -> stop[0] = true);
            while (!stop[0]) {
                sel.select();
            }
        })));
        ReceiveChannel<Integer> ch = src;
        List<Integer> primes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int prime = ch.recv();
            primes.add(prime);
            Chan<Integer> next = Chan.make();
            ReceiveChannel<Integer> in = ch;
            stages.add(runner.start(f.wrap(() -> filter(in, next, prime, quit))));
            ch = next;
        }
        quit.close();
        for (Thread t : stages) {
            join(t);
        }
        f.check();
        assertThat(primes).isEqualTo(referencePrimes(count));
    }

    private static void filter(ReceiveChannel<Integer> in, Chan<Integer> out, int prime, Chan<Void> quit)
            throws InterruptedException {
        boolean[] stop = {false};
        Integer[] pending = {null};
        Select recv = Select.of().recv(in, v -> pending[0] = v).recv(quit, q -> stop[0] = true);
        Select send = Select.of().sendFrom(out, () -> pending[0], () -> pending[0] = null)
                .recv(quit, q -> stop[0] = true);
        while (!stop[0]) {
            if (pending[0] == null) {
                recv.select();
                if (pending[0] != null && pending[0] % prime == 0) {
                    pending[0] = null;
                }
            } else {
                send.select();
            }
        }
    }

    private static List<Integer> referencePrimes(int count) {
        List<Integer> ps = new ArrayList<>();
        for (int n = 2; ps.size() < count; n++) {
            boolean prime = true;
            for (int p : ps) {
                if (p * p > n) {
                    break;
                }
                if (n % p == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                ps.add(n);
            }
        }
        return ps;
    }
}
