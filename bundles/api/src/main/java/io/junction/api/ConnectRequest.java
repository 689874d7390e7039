package io.junction.api;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One outbound connection to open: built by the core on the client connection's event loop,
 * adjusted by {@link ServerOption#prepare}, carried out by a {@link Connector}. Not
 * thread-safe; lives on one event loop.
 */
public final class ConnectRequest {
    private final EventLoop eventLoop;
    private final InetSocketAddress remote;
    private final ChannelHandler handler;
    private InetSocketAddress local;
    private int connectTimeoutMillis;
    private Map<ChannelOption<?>, Object> options;

    /**
     * @param eventLoop the client connection's event loop: the outbound channel is registered on
     *        it, so that relaying never crosses threads
     * @param remote the server's address
     * @param handler the handler the outbound channel's pipeline starts with (the core's relay)
     * @param connectTimeoutMillis {@code timeout connect}
     */
    public ConnectRequest(EventLoop eventLoop, InetSocketAddress remote, ChannelHandler handler,
            int connectTimeoutMillis) {
        this.eventLoop = Objects.requireNonNull(eventLoop, "eventLoop");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    public EventLoop eventLoop() {
        return eventLoop;
    }

    public InetSocketAddress remote() {
        return remote;
    }

    public ChannelHandler handler() {
        return handler;
    }

    /** The local address to bind before connecting, or {@code null} for the system's choice. */
    public InetSocketAddress local() {
        return local;
    }

    public ConnectRequest local(InetSocketAddress local) {
        this.local = local;
        return this;
    }

    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    /** A socket option for the outbound channel, e.g. the transport's IP_TRANSPARENT. */
    public <T> ConnectRequest option(ChannelOption<T> option, T value) {
        if (options == null) {
            options = new IdentityHashMap<>(4);
        }
        options.put(option, value);
        return this;
    }

    /** The socket options set so far (possibly empty, never null). Read-only use. */
    public Map<ChannelOption<?>, Object> options() {
        return options == null ? Map.of() : options;
    }
}
