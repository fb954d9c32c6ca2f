package dev.goloom.channels;

import java.time.Duration;

/**
 * The sending side of a channel: Go's {@code chan<- E}. {@link Chan} is the only implementation; hand out this
 * view to code that should only send (and, as in Go, close).
 *
 * <p>Null elements are rejected with a {@link NullPointerException}: {@code null} is the receive side's "closed"
 * result.
 *
 * @param <E> element type
 */
public sealed interface SendChannel<E> permits Chan {

    /**
     * Sends {@code e}, blocking until a receiver takes it (unbuffered) or there is room in the buffer. Go:
     * {@code ch <- e}.
     *
     * @throws NullPointerException     if {@code e} is null
     * @throws ChannelClosedException   if the channel is closed, or is closed while this call waits ("send on
     *                                  closed channel"); {@code e} is then not delivered
     * @throws InterruptedException     if the thread is interrupted while it waits (or is already interrupted when
     *                                  the send would have to wait); {@code e} is then not delivered and the
     *                                  channel is unchanged. A send that completes before the interrupt is seen
     *                                  returns normally with the interrupt status still set.
     */
    void send(E e) throws InterruptedException;

    /**
     * Sends {@code e} only if that needs no waiting: a receiver is parked or the buffer has room. Go:
     * {@code select { case ch <- e: ...; default: ... }}.
     *
     * @return true if sent, false if the send would have blocked
     * @throws NullPointerException   if {@code e} is null
     * @throws ChannelClosedException if the channel is closed
     */
    boolean trySend(E e);

    /**
     * Sends {@code e}, waiting at most {@code timeout}. A zero or negative timeout behaves like {@link #trySend(Object)}.
     *
     * @return true if sent, false if the timeout elapsed first (then {@code e} was not delivered)
     * @throws NullPointerException   if {@code e} or {@code timeout} is null
     * @throws ChannelClosedException as for {@link #send}
     * @throws InterruptedException   as for {@link #send}
     */
    boolean trySend(E e, Duration timeout) throws InterruptedException;

    /**
     * Closes the channel. Go: {@code close(ch)}. Buffered elements stay receivable; once they are drained, receives
     * return the closed result immediately. Every waiting receiver wakes with the closed result, and every waiting
     * sender wakes and throws {@link ChannelClosedException}.
     *
     * @throws ChannelClosedException if the channel is already closed ("close of closed channel")
     */
    void close();

    /** Elements buffered now (a racy snapshot, like Go's {@code len(ch)}); always 0 for an unbuffered channel. */
    int len();

    /** The buffer capacity; 0 for an unbuffered channel. Go: {@code cap(ch)}. */
    int cap();

    /** Whether {@link #close()} has been called. Once true, stays true. */
    boolean isClosed();
}
