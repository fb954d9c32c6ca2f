package dev.goloom.channels;

import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Param;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck in stress mode: random concurrent scenarios of the non-blocking operations on a two-slot channel,
 * checked against the channel's own sequential behaviour. Blocking operations are out of Lincheck's reach (a
 * sequential send on a full channel never returns); {@link ChanStressTest} covers them.
 *
 * <p>On JDK 25 Lincheck's agent cannot instrument Java 25 class files (it logs "Unable to transform ... major
 * version 69"); stress mode does not need instrumentation, and {@link #stressModeCatchesANonLinearizableObject()}
 * proves that it still finds bugs here.
 */
@Param(name = "v", gen = IntGen.class, conf = "1:5")
public class ChanLincheckTest {
    private final Chan<Integer> c = Chan.make(2);

    @Operation
    public String trySend(@Param(name = "v") int v) {
        try {
            return c.trySend(v) ? "sent" : "full";
        } catch (ChannelClosedException e) {
            return "closed";
        }
    }

    @Operation
    public Integer tryRecv() {
        return c.tryRecv();
    }

    @Operation
    public String close() {
        try {
            c.close();
            return "ok";
        } catch (ChannelClosedException e) {
            return "already";
        }
    }

    @Operation
    public boolean isClosed() {
        return c.isClosed();
    }

    private static StressOptions options() {
        return new StressOptions()
                .iterations(Integer.getInteger("goloom.lincheck.iterations", 50))
                .invocationsPerIteration(2_000)
                .threads(3)
                .actorsPerThread(3);
    }

    @Test
    void stress() {
        LinChecker.check(ChanLincheckTest.class, options());
    }

    /** Negative control: a racy counter must fail the same check. */
    @Test
    void stressModeCatchesANonLinearizableObject() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinChecker.check(RacyCounter.class, options()))
                .isInstanceOf(AssertionError.class);
    }

    /** Deliberately broken: a read-modify-write that is not atomic. */
    public static class RacyCounter {
        private int n;

        @Operation
        public int incrementAndGet() {
            int v = n;
            Thread.yield();
            n = v + 1;
            return v + 1;
        }
    }
}
