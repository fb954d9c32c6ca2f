package dev.goloom.channels;

import java.time.Duration;
import java.util.Iterator;

/**
 * The receiving side of a channel: Go's {@code <-chan E}. {@link Chan} is the only implementation.
 *
 * <h2>Go's {@code v, ok := <-ch}</h2>
 * Channels never hold {@code null} (sends reject it), so {@link #recv()} returning {@code null} means exactly Go's
 * {@code ok == false}: the channel is closed and every buffered element has been received. This is also Go's
 * {@code v := <-ch}, whose zero value is Java's {@code null}. No exception is thrown on that path.
 * <pre>{@code
 * for (String v; (v = ch.recv()) != null; ) { use(v); }   // or: for (String v : ch) { use(v); }
 * }</pre>
 *
 * @param <E> element type
 */
public sealed interface ReceiveChannel<E> extends Iterable<E> permits Chan {

    /**
     * Receives the next element, blocking until one is available. Go: {@code v, ok := <-ch}.
     *
     * @return the element, or {@code null} if the channel is closed and drained (Go's {@code ok == false});
     *         if the channel is closed while this call waits, it returns {@code null} at once
     * @throws InterruptedException if the thread is interrupted while it waits (or is already interrupted when the
     *                              receive would have to wait); nothing is consumed. A receive that completes
     *                              before the interrupt is seen returns its element with the interrupt status
     *                              still set, so no element is ever lost.
     */
    E recv() throws InterruptedException;

    /**
     * Receives an element only if that needs no waiting. Go: {@code select { case v, ok := <-ch: ...; default: }}.
     *
     * @return the element, or {@code null} if none is ready now or the channel is closed and drained. To tell
     *         the two apart, check {@link #isClosed()} after a {@code null}: if it is false, nothing was ready;
     *         if it is true, one more {@code tryRecv()} returning {@code null} proves the channel is closed and
     *         drained (a closed channel gains no elements).
     */
    E tryRecv();

    /**
     * Receives an element, waiting at most {@code timeout}. A zero or negative timeout behaves like
     * {@link #tryRecv()}.
     *
     * @return the element, or {@code null} if the timeout elapsed or the channel is closed and drained (tell them
     *         apart as for {@link #tryRecv()})
     * @throws NullPointerException if {@code timeout} is null
     * @throws InterruptedException as for {@link #recv()}
     */
    E tryRecv(Duration timeout) throws InterruptedException;

    /**
     * Go's {@code for v := range ch}: an iterator whose {@code hasNext()} blocks for the next element and returns
     * false once the channel is closed and drained. If the thread is interrupted while {@code hasNext()} waits, it
     * throws {@link ChannelInterruptedException} (interrupt status set again, nothing consumed). Each iterator
     * receives from the channel itself, so two iterators (or threads) share the elements, as two Go
     * {@code range} loops would.
     */
    @Override
    Iterator<E> iterator();

    /** Elements buffered now (a racy snapshot, like Go's {@code len(ch)}); always 0 for an unbuffered channel. */
    int len();

    /** The buffer capacity; 0 for an unbuffered channel. */
    int cap();

    /** Whether the channel has been closed (buffered elements may still be receivable). Once true, stays true. */
    boolean isClosed();
}
