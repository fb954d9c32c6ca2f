package dev.goloom.channels;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Go's {@code for v := range ch} over a {@link Chan} ({@link Chan#iterator()}): receives until the channel is
 * closed and drained. Not thread-safe itself; several iterators may share one channel. An interrupt while blocked
 * in {@link #hasNext()} throws {@link ChannelInterruptedException} with the interrupt status set again.
 *
 * @param <E> element type
 */
final class ChanIterator<E> implements Iterator<E> {
    private final Chan<E> ch;
    private E next;
    private boolean done;

    ChanIterator(Chan<E> ch) {
        this.ch = ch;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        try {
            next = ch.recv();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ChannelInterruptedException("interrupted in range over " + ch, ie);
        }
        if (next == null) {
            done = true;
            return false;
        }
        return true;
    }

    @Override
    public E next() {
        if (!hasNext()) {
            throw new NoSuchElementException("range over " + ch + " ended: closed and drained");
        }
        E v = next;
        next = null;
        return v;
    }
}
