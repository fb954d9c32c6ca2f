package dev.goloom.select;

import dev.goloom.channels.Chan;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking select is recorded as a goloom.ChannelWait event with its winning case's channel. */
class SelectWaitEventTest {

    @Test
    void aBlockedSelectIsRecordedWithTheWinningChannelAndItsCaseCount(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("select.jfr");
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        AtomicInteger chosen = new AtomicInteger(-1);
        try (Recording r = new Recording()) {
            r.enable("goloom.ChannelWait").withThreshold(Duration.ZERO);
            r.start();
            Thread selector = Thread.ofPlatform().start(() -> {
                try {
                    chosen.set(Select.of().recv(a).recv(b).select());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (selector.getState() != Thread.State.WAITING) { // parked in the select, not about to be
                assertThat(System.nanoTime()).as("the select parks in time").isLessThan(deadline);
                Thread.onSpinWait();
            }
            b.send(5);
            selector.join();
            assertThat(Select.of().recv(a).select(Duration.ofMillis(5))).isEqualTo(Select.TIMED_OUT);
            r.stop();
            r.dump(file);
        }
        assertThat(chosen.get()).isEqualTo(1);
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("goloom.ChannelWait")).toList();
        assertThat(events).hasSize(2);
        RecordedEvent won = events.stream().filter(e -> e.getString("outcome").equals("completed")).findFirst()
                .orElseThrow();
        assertThat(won.getString("operation")).isEqualTo("select");
        assertThat(won.getString("channel")).isEqualTo(b.toString());
        assertThat(won.getInt("cases")).isEqualTo(2);
        RecordedEvent gaveUp = events.stream().filter(e -> e.getString("outcome").equals("timed out")).findFirst()
                .orElseThrow();
        assertThat(gaveUp.getString("channel")).isNull();
        assertThat(gaveUp.getInt("cases")).isOne();
    }
}
