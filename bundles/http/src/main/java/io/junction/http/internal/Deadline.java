package io.junction.http.internal;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An inactivity timeout on one event loop, as Netty's {@code IdleStateHandler} does it: activity
 * only records a timestamp ({@link #touch()}), and the single scheduled task, when it runs,
 * either fires or re-schedules itself for the remaining time. So a busy connection costs one
 * {@code System.nanoTime()} per read, not a timer per read. Event loop only.
 */
final class Deadline implements Runnable {

    /** Told when a deadline passes. Event loop. */
    interface Expiry {
        void expired(Deadline deadline, int kind);
    }

    static final int NONE = 0;

    private final EventLoop loop;
    private final Expiry target;
    private int kind = NONE;
    private long timeoutNanos;
    private long last;
    private ScheduledFuture<?> future;

    Deadline(EventLoop loop, Expiry target) {
        this.loop = loop;
        this.target = target;
    }

    /**
     * Starts (or restarts) the timeout: {@code kind} is handed back on expiry. A timeout of 0 or
     * less disarms (the core gives every timeout a positive default; 0 would mean "never").
     */
    void arm(int kind, long timeoutMillis) {
        cancel();
        if (timeoutMillis <= 0) {
            this.kind = NONE;
            return;
        }
        this.kind = kind;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.last = System.nanoTime();
        this.future = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Activity: the timeout counts from now. */
    void touch() {
        if (kind != NONE) {
            last = System.nanoTime();
        }
    }

    void disarm() {
        kind = NONE;
        cancel();
    }

    int kind() {
        return kind;
    }

    private void cancel() {
        if (future != null) {
            future.cancel(false);
            future = null;
        }
    }

    /** Event loop (scheduled): fires when the inactivity lasted the whole timeout, else re-schedules itself. */
    @Override
    public void run() {
        future = null;
        if (kind == NONE) {
            return;
        }
        long idle = System.nanoTime() - last;
        if (idle >= timeoutNanos) {
            int k = kind;
            kind = NONE;
            target.expired(this, k);
        } else {
            future = loop.schedule(this, timeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
