package dev.goloom.jmh.select;

import dev.goloom.channels.Chan;
import dev.goloom.jmh.CpuMetered;
import dev.goloom.jmh.chan.Impl;
import dev.goloom.jmh.support.Session;
import dev.goloom.select.Select;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Select workloads, goloom {@link Select} vs jox {@code Select}, each on goloom and on the JDK's default
 * virtual-thread scheduler:
 * <ul>
 *   <li>{@link #selectPingPong}: as the Go anchor's {@code selectpingpong}: the echo side waits in a two-case
 *       select (data or quit) and echoes on a second unbuffered channel; one op = one round trip.</li>
 *   <li>{@link #selectFanIn4}: four producers, each on its own channel of capacity 128; one consumer selects over
 *       the four; one op = one message.</li>
 * </ul>
 * goloom uses a prepared {@link Select} per thread (no allocation per select); jox builds its clauses per select,
 * which is how its API is used. Each measured iteration also prints a {@code [cpu]} line ({@link CpuMetered}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SelectBenchmark extends CpuMetered {
    static final int N = 20_000;
    private static final Integer ELEM = 42;

    @Param({"goloom@goloom", "goloom@jdk", "jox@goloom", "jox@jdk"})
    public String impl;

    private boolean jox;
    private Session session;

    @Setup(Level.Trial)
    public void setUp() {
        jox = impl.startsWith("jox");
        session = Impl.parse(impl).open("selbench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
    }

    @Override
    protected String side() {
        return impl;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void selectPingPong() {
        countOps(N);
        if (jox) {
            joxPingPong();
        } else {
            goloomPingPong();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void selectFanIn4() {
        countOps(N);
        if (jox) {
            joxFanIn();
        } else {
            goloomFanIn();
        }
    }

    private void goloomPingPong() {
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        Chan<Integer> quit = Chan.make();
        Thread echo = session.start(() -> {
            Integer[] v = {null};
            Select sel = Select.of().recv(a, x -> v[0] = x).recv(quit);
            for (int i = 0; i < N; i++) {
                if (sel.select() == 1) {
                    return;
                }
                b.send(v[0]);
            }
        });
        Thread main = session.start(() -> {
            for (int i = 0; i < N; i++) {
                a.send(ELEM);
                b.recv();
            }
        });
        Session.join(main);
        Session.join(echo);
    }

    private void joxPingPong() {
        com.softwaremill.jox.Channel<Integer> a = com.softwaremill.jox.Channel.newRendezvousChannel();
        com.softwaremill.jox.Channel<Integer> b = com.softwaremill.jox.Channel.newRendezvousChannel();
        com.softwaremill.jox.Channel<Integer> quit = com.softwaremill.jox.Channel.newRendezvousChannel();
        Thread echo = session.start(() -> {
            for (int i = 0; i < N; i++) {
                Integer v = com.softwaremill.jox.Select.select(a.receiveClause(), quit.receiveClause(x -> -1));
                if (v == -1) {
                    return;
                }
                b.send(v);
            }
        });
        Thread main = session.start(() -> {
            for (int i = 0; i < N; i++) {
                a.send(ELEM);
                b.receive();
            }
        });
        Session.join(main);
        Session.join(echo);
    }

    private void goloomFanIn() {
        @SuppressWarnings("unchecked")
        Chan<Integer>[] cs = new Chan[4];
        Select sel = new Select();
        for (int i = 0; i < 4; i++) {
            cs[i] = Chan.make(128);
            sel.recv(cs[i]);
        }
        Thread[] ps = new Thread[4];
        for (int p = 0; p < 4; p++) {
            Chan<Integer> c = cs[p];
            ps[p] = session.start(() -> {
                for (int i = 0; i < N / 4; i++) {
                    c.send(ELEM);
                }
            });
        }
        Thread consumer = session.start(() -> {
            for (int i = 0; i < N; i++) {
                sel.select();
            }
        });
        for (Thread t : ps) {
            Session.join(t);
        }
        Session.join(consumer);
    }

    private void joxFanIn() {
        @SuppressWarnings("unchecked")
        com.softwaremill.jox.Channel<Integer>[] cs = new com.softwaremill.jox.Channel[4];
        for (int i = 0; i < 4; i++) {
            cs[i] = com.softwaremill.jox.Channel.newBufferedChannel(128);
        }
        Thread[] ps = new Thread[4];
        for (int p = 0; p < 4; p++) {
            com.softwaremill.jox.Channel<Integer> c = cs[p];
            ps[p] = session.start(() -> {
                for (int i = 0; i < N / 4; i++) {
                    c.send(ELEM);
                }
            });
        }
        Thread consumer = session.start(() -> {
            for (int i = 0; i < N; i++) {
                com.softwaremill.jox.Select.select(cs[0].receiveClause(), cs[1].receiveClause(),
                        cs[2].receiveClause(), cs[3].receiveClause());
            }
        });
        for (Thread t : ps) {
            Session.join(t);
        }
        Session.join(consumer);
    }
}
