package dev.goloom.channels;

/**
 * Thrown by a channel's {@link java.util.Iterator} (Go's {@code for v := range ch}) when the iterating thread is
 * interrupted while it waits for the next element: {@code Iterator.hasNext()} cannot throw the checked
 * {@link InterruptedException}, so it is wrapped here as the {@linkplain #getCause() cause}. The thread's interrupt
 * status is set again before this is thrown, and the channel is left as if the receive had never started.
 */
public final class ChannelInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChannelInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }
}
