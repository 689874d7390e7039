package io.junction.core.internal.net;

import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes both sides of a relay when no data moved in either direction for the timeout. One
 * timer per connection pair and a timestamp updated on every read: Netty's
 * {@code IdleStateHandler} would allocate a promise and a listener per relayed write and keep
 * three timer tasks per channel (measured in docs/benchmarks.md). Reads of both sides cover both
 * directions, since every byte written to one side was read from the other.
 *
 * <p>Event loop only: both channels live on the same loop, so no field needs to be volatile.
 * Time is the loop's own clock ({@code ticker()}), the one its timers run on.
 */
final class IdleWatch implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IdleWatch.class);

    private final Channel client;
    private final Channel server;
    private final long timeoutNanos;
    private final Counters counters;
    private long lastActivity;
    /** The pending check; cancelled when the pair closes, so that a closed pair is not kept alive by it. */
    private ScheduledFuture<?> timer;

    IdleWatch(Channel client, Channel server, long timeoutMillis, Counters counters) {
        this.client = client;
        this.server = server;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.counters = counters;
    }

    /** Event loop: starts watching. */
    void start() {
        lastActivity = client.eventLoop().ticker().nanoTime();
        timer = client.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Event loop: a side of the pair closed. Cancels the pending check: left in the loop's
     * timer queue, it would hold both channels (pipelines, buffers' owners, addresses) until
     * the timeout, 300 s in common configs, so that a router doing thousands of connections a
     * second kept hundreds of thousands of closed pairs alive (measured: the heap grew to the
     * -Xmx under bench/run.sh's new-connection scenario). Idempotent.
     */
    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Event loop: data moved. */
    void activity() {
        lastActivity = client.eventLoop().ticker().nanoTime();
    }

    /** Event loop: whether a check is scheduled (for tests). */
    boolean pending() {
        return timer != null && !timer.isDone();
    }

    @Override
    public void run() {
        timer = null;
        if (!client.isActive() && !server.isActive()) {
            return;
        }
        long idle = client.eventLoop().ticker().nanoTime() - lastActivity;
        if (idle >= timeoutNanos) {
            counters.idleTimeout.increment();
            LOG.debug("{}: no data for {} ms, closing both sides", client, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            client.close();
            server.close();
        } else {
            timer = client.eventLoop().schedule(this, timeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
