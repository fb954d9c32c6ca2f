package dev.goloom.jmh.support;

import java.util.concurrent.locks.LockSupport;

/**
 * A ball two threads pass with park/unpark; {@code turn} says whose it is. The LockSupport round trip of
 * {@code ParkPingPongBenchmark} and of the main job's {@code parkpingpong}.
 */
public final class Baton {
    private volatile int turn;

    /** Gives the ball to {@code side} and wakes {@code to}. */
    public void pass(int side, Thread to) {
        turn = side;
        LockSupport.unpark(to);
    }

    /** Parks until the ball is {@code side}'s; loops because park may return spuriously. */
    public void await(int side) {
        while (turn != side) {
            LockSupport.park(this);
        }
    }
}
