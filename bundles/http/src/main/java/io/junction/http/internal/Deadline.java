package io.junction.http.internal;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An inactivity timeout on one event loop, as Netty's {@code IdleStateHandler} does it: activity
 * only records a timestamp ({@link #touch()}), and the single scheduled task, when it runs,
 * either fires or re-schedules itself for the remaining time. So a busy connection costs one
 * {@code loop.ticker().nanoTime()} per read, not a timer per read. Re-arming keeps a pending check that
 * comes no later than the new deadline (it re-schedules itself for the rest), and a
 * {@linkplain #lazy lazy} deadline keeps it across {@link #disarm()} too, so that an HTTP/1.1
 * exchange does not pay a timer-queue insertion and removal for each of its phases
 * (docs/benchmarks.md); its owner calls {@link #stop()} when it ends. Event loop only.
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
    /** When the pending check runs ({@code loop.ticker().nanoTime()} scale); meaningful while {@code future} is set. */
    private long firesAt;
    /** Whether {@link #disarm()} leaves the pending check in place (the owner calls {@link #stop()}). */
    private final boolean lazy;

    Deadline(EventLoop loop, Expiry target) {
        this(loop, target, false);
    }

    private Deadline(EventLoop loop, Expiry target, boolean lazy) {
        this.loop = loop;
        this.target = target;
        this.lazy = lazy;
    }

    /**
     * A deadline whose {@link #disarm()} keeps the scheduled check (it finds nothing armed when it
     * runs and goes away): for an owner that disarms and re-arms on every request. The owner must
     * call {@link #stop()} when it ends, or the pending check keeps it reachable until it runs.
     */
    static Deadline lazy(EventLoop loop, Expiry target) {
        return new Deadline(loop, target, true);
    }

    /**
     * Starts (or restarts) the timeout: {@code kind} is handed back on expiry. A timeout of 0 or
     * less disarms (the core gives every timeout a positive default; 0 would mean "never").
     */
    void arm(int kind, long timeoutMillis) {
        if (timeoutMillis <= 0) {
            stop();
            return;
        }
        this.kind = kind;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.last = loop.ticker().nanoTime();
        long due = last + timeoutNanos;
        if (future != null && firesAt - due <= 0) {
            return; // the pending check runs first and re-schedules itself for the rest
        }
        cancel();
        this.future = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
        this.firesAt = due;
    }

    /** Activity: the timeout counts from now. */
    void touch() {
        if (kind != NONE) {
            last = loop.ticker().nanoTime();
        }
    }

    /** Nothing is timed any more; a lazy deadline keeps its pending check for the next arm. */
    void disarm() {
        kind = NONE;
        if (!lazy) {
            cancel();
        }
    }

    /** The owner ends: nothing is timed and no check stays scheduled. */
    void stop() {
        kind = NONE;
        cancel();
    }

    /** For tests: whether a check is scheduled. */
    boolean pending() {
        return future != null;
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
        long idle = loop.ticker().nanoTime() - last;
        if (idle >= timeoutNanos) {
            int k = kind;
            kind = NONE;
            target.expired(this, k);
        } else {
            future = loop.schedule(this, timeoutNanos - idle, TimeUnit.NANOSECONDS);
            firesAt = last + timeoutNanos;
        }
    }
}
