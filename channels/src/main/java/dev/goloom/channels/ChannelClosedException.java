package dev.goloom.channels;

/**
 * Go's channel panics: {@code send on closed channel} and {@code close of closed channel}. The message starts with
 * Go's wording, which names the operation, followed by the channel.
 *
 * <p>Unchecked, like Go's panics: both are programming errors (only the sending side may close, and only once), not
 * conditions a correct program handles.
 */
public final class ChannelClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message) {
        super(message);
    }
}
