package dev.goloom.channels;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lincheck model checking of the non-blocking operations on a two-slot channel ({@code trySend}, {@code tryRecv},
 * {@code close}, {@code isClosed}), checked for linearizability against the channel's own sequential behaviour.
 * The model checker interleaves the threads at every shared read and write, which is what the lock-free fast
 * failures of {@code trySend}/{@code tryRecv} (a racy look at {@code closed} and the buffer before any lock) need:
 * a stress run reaches those races only by luck, and only with idle cores. Blocking operations are out of
 * Lincheck's reach (a sequential send on a full channel never returns); {@link ChanStressTest} covers them.
 *
 * <p>Negative control: a passing run counts only because the same options catch {@link RacyBuffer}, a two-slot
 * buffer whose {@code trySend} checks for room and then writes without holding anything in between.
 *
 * <p>Bounded by default (a few seconds on an idle machine); {@code -Dgoloom.lincheck.deep=true} explores more
 * scenarios, longer.
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

    private static ModelCheckingOptions options() {
        boolean deep = Boolean.getBoolean("goloom.lincheck.deep");
        return new ModelCheckingOptions()
                .iterations(Integer.getInteger("goloom.lincheck.iterations", deep ? 100 : 10))
                .invocationsPerIteration(Integer.getInteger("goloom.lincheck.invocations", deep ? 10_000 : 500))
                .threads(deep ? 3 : 2)
                .actorsPerThread(3)
                .actorsBefore(2);
    }

    @Test
    void nonBlockingOperationsAreLinearizable() {
        options().check(ChanLincheckTest.class);
    }

    @Test
    void theSameOptionsCatchACheckThenActBuffer() {
        assertThatThrownBy(() -> options().check(RacyBuffer.class)).isInstanceOf(AssertionError.class);
    }

    /** Deliberately broken: a two-slot buffer whose trySend reads the count, then writes it back plus one. */
    @Param(name = "v", gen = IntGen.class, conf = "1:5")
    public static class RacyBuffer {
        private final int[] slots = new int[2];
        private int head;
        private int count;

        @Operation
        public String trySend(@Param(name = "v") int v) {
            int n = count;
            if (n == slots.length) {
                return "full";
            }
            slots[(head + n) % slots.length] = v;
            count = n + 1;
            return "sent";
        }

        @Operation
        public synchronized Integer tryRecv() {
            if (count == 0) {
                return null;
            }
            int v = slots[head];
            head = (head + 1) % slots.length;
            count--;
            return v;
        }
    }
}
