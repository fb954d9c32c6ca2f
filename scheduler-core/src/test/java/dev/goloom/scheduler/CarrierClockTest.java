package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The /proc parsing behind sysmon's blocked-or-descheduled verdict. */
class CarrierClockTest {
    private static final byte[] KEY = "\nnonvoluntary_ctxt_switches:".getBytes(StandardCharsets.US_ASCII);

    private static long parse(String status) {
        byte[] b = status.getBytes(StandardCharsets.US_ASCII);
        return CarrierClock.parseCount(b, b.length, KEY);
    }

    @Test
    void theInvoluntaryCountIsReadFromItsOwnLineNotTheVoluntaryOne() {
        String status = "Name:\tapp-m1\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t981\n"
                + "nonvoluntary_ctxt_switches:\t37\n";
        assertThat(parse(status)).isEqualTo(37);
        assertThat(parse("Name:\tx\nvoluntary_ctxt_switches:\t5\n")).isEqualTo(-1);
        assertThat(parse("Name:\tx\nnonvoluntary_ctxt_switches:\t")).as("no digits").isEqualTo(-1);
        byte[] cut = status.getBytes(StandardCharsets.US_ASCII);
        assertThat(CarrierClock.parseCount(cut, 20, KEY)).as("only the first n bytes count").isEqualTo(-1);
    }

    @Test
    void aComputingThreadOnLinuxHasACountThatNeverGoesDown() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/status")), "Linux /proc");
        String own = Files.readString(Path.of("/proc/thread-self/status"), StandardCharsets.US_ASCII);
        long first = parse(own);
        assertThat(first).isGreaterThanOrEqualTo(0);
        long end = System.nanoTime() + 20_000_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        long second = parse(Files.readString(Path.of("/proc/thread-self/status"), StandardCharsets.US_ASCII));
        assertThat(second).isGreaterThanOrEqualTo(first);
    }
}
