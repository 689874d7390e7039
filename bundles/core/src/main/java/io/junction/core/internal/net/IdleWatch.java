package io.junction.core.internal.net;

import io.netty.channel.Channel;
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
 */
final class IdleWatch implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IdleWatch.class);

    private final Channel client;
    private final Channel server;
    private final long timeoutNanos;
    private final Counters counters;
    private long lastActivity;

    IdleWatch(Channel client, Channel server, long timeoutMillis, Counters counters) {
        this.client = client;
        this.server = server;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.counters = counters;
    }

    /** Event loop: starts watching. */
    void start() {
        lastActivity = System.nanoTime();
        client.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Event loop: data moved. */
    void activity() {
        lastActivity = System.nanoTime();
    }

    @Override
    public void run() {
        if (!client.isActive() && !server.isActive()) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= timeoutNanos) {
            counters.idleTimeout.increment();
            LOG.debug("{}: no data for {} ms, closing both sides", client, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            client.close();
            server.close();
        } else {
            client.eventLoop().schedule(this, timeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }
}
