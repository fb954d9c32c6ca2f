package dev.goloom.channels;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The goloom.ChannelWait JFR event: blocking operations that waited, with the channel, the outcome and a stack. */
class ChannelWaitEventTest {

    private static final long WAIT_S = 30;

    /** Waits (bounded) until {@code t} is parked: blocked in the channel, not about to be. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("%s parks in time", t).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static List<RecordedEvent> waits(Path file) throws Exception {
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("goloom.ChannelWait")).toList();
    }

    /** The one event on channel {@code c}, found by the id its {@code toString()} shows ({@code Chan#7[...]}). */
    private static RecordedEvent onChannel(List<RecordedEvent> events, Chan<?> c) {
        String s = c.toString();
        long id = Long.parseLong(s.substring("Chan#".length(), s.indexOf('[')));
        List<RecordedEvent> mine = events.stream().filter(e -> e.getLong("channelId") == id).toList();
        assertThat(mine).as("one event on %s in %s", c, events).hasSize(1);
        return mine.get(0);
    }

    @Test
    void eachBlockingOperationIsRecordedWithItsChannelOutcomeAndStack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("waits.jfr");
        Chan<Integer> received = Chan.make();
        Chan<Integer> timedOut = Chan.make(1);
        Chan<Integer> closedOnSender = Chan.make(1);
        Chan<Integer> interrupted = Chan.make();
        try (Recording r = new Recording()) {
            r.enable("goloom.ChannelWait").withThreshold(Duration.ZERO).withStackTrace();
            r.start();

            AtomicReference<Integer> got = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("blocked-receiver").start(() -> {
                try {
                    got.set(received.recv());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitParked(receiver);
            received.send(7); // hands off to the parked receiver: no wait on this side
            receiver.join();
            assertThat(got.get()).isEqualTo(7);

            assertThat(timedOut.tryRecv(Duration.ofMillis(5))).isNull();

            closedOnSender.send(1); // fills the buffer
            AtomicReference<Throwable> sendError = new AtomicReference<>();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    closedOnSender.send(2);
                } catch (Throwable e) {
                    sendError.set(e);
                }
            });
            awaitParked(sender);
            closedOnSender.close();
            sender.join();
            assertThat(sendError.get()).isInstanceOf(ChannelClosedException.class);

            AtomicReference<Throwable> recvError = new AtomicReference<>();
            Thread interruptee = Thread.ofPlatform().start(() -> {
                try {
                    interrupted.recv();
                } catch (Throwable e) {
                    recvError.set(e);
                }
            });
            awaitParked(interruptee);
            interruptee.interrupt();
            interruptee.join();
            assertThat(recvError.get()).isInstanceOf(InterruptedException.class);

            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = waits(file);
        assertThat(events).as("one per blocking operation, none for the send that found a receiver").hasSize(4);

        RecordedEvent e = onChannel(events, received);
        assertThat(e.getString("operation")).isEqualTo("chan receive");
        assertThat(e.getString("outcome")).isEqualTo("completed");
        assertThat(e.getString("channel")).isEqualTo(received.toString());
        assertThat(e.getInt("capacity")).isZero();
        assertThat(e.getInt("cases")).isOne();
        assertThat(e.getThread().getJavaName()).isEqualTo("blocked-receiver");
        assertThat(e.getStackTrace().getFrames()).extracting(RecordedFrame::getMethod)
                .anySatisfy(m -> assertThat(m.getName()).isEqualTo("recv"));

        e = onChannel(events, timedOut);
        assertThat(e.getString("operation")).isEqualTo("chan receive");
        assertThat(e.getString("outcome")).isEqualTo("timed out");
        assertThat(e.getInt("capacity")).isOne();
        assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(5));

        e = onChannel(events, closedOnSender);
        assertThat(e.getString("operation")).isEqualTo("chan send");
        assertThat(e.getString("outcome")).isEqualTo("closed");
        assertThat(e.getString("channel")).isEqualTo(closedOnSender.toString()).endsWith(", closed]");

        e = onChannel(events, interrupted);
        assertThat(e.getString("outcome")).isEqualTo("interrupted");
        assertThat(e.getLong("channelId")).isPositive();
    }

    @Test
    void waitsUnderTheThresholdAreNotRecorded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("none.jfr");
        try (Recording r = new Recording()) {
            r.enable("goloom.ChannelWait").withThreshold(Duration.ofHours(1));
            r.start();
            assertThat(Chan.<Integer>make().tryRecv(Duration.ofMillis(5))).isNull();
            r.stop();
            r.dump(file);
        }
        assertThat(waits(file)).isEmpty();
        assertThatThrownBy(() -> Chan.make(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
