package dev.goloom.channels;

/**
 * Go's {@code fatal error: all goroutines are asleep - deadlock!}, as an exception: thrown by a blocked channel
 * operation ({@code send}, {@code recv}, {@code for (v : ch)}) or {@code select} without a timeout when the goloom
 * scheduler of its goroutine found every one of its goroutines asleep on channels and deadlock
 * detection is {@code fail} ({@code -Dgoloom.deadlock=fail}, or the scheduler builder's {@code deadlock}). The
 * message starts with Go's words, then names the scheduler and the operation, for example
 * {@code all goroutines are asleep - deadlock! (scheduler app): chan send to Chan#1[cap=0]}.
 *
 * <p>The operation was withdrawn before anything was transferred: a send did not deliver its value, a receive took
 * none, and the channels are as if it had never started (a partner that completed it first wins, and then it
 * returns normally). Go ends the whole program here; goloom fails each deadlocked operation instead, so the
 * goroutines can end and the program decide what to do.
 *
 * <p>Unchecked, like Go's fatal error: a deadlock is a programming error. The detection sees one scheduler only: a
 * platform thread or another scheduler's goroutine that would have sent or received later is not seen, so in such
 * programs {@code fail} can be wrong (see the builder's {@code deadlock} method for the rules and limits).
 */
public final class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public DeadlockException(String message) {
        super(message);
    }
}
