package io.junction.backend.plain.internal;

import io.junction.api.ConnectRequest;
import io.junction.api.Connector;
import io.junction.api.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.Map;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Opens plain TCP connections to servers ({@code junction.connector=tcp}).
 *
 * <p>The outbound channel uses the shared {@link Transport}'s channel class for the server's
 * address family and is registered on the client connection's event loop, so that relaying
 * never crosses threads. The reference to the Transport is static and mandatory: a new transport
 * means new event loops, and this component restarts with it.
 *
 * <p>Socket options of the request are set by this class after registration and before the
 * connect, not by {@link Bootstrap#option}: Bootstrap logs an option it cannot set and connects
 * anyway, which would turn a refused IP_TRANSPARENT into a connection from the router's own
 * address. Here such a connection fails instead.
 */
@Component(service = Connector.class, property = Connector.SCHEMES + "=tcp")
public final class PlainConnector implements Connector {
    private final Transport transport;

    /** SCR thread: binds the transport the outbound channels are made with. */
    @Activate
    public PlainConnector(@Reference(name = "transport") Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /**
     * Event loop (the request's), does not block: registers a new channel on
     * {@link ConnectRequest#eventLoop()} with auto-read off, TCP_NODELAY on and
     * CONNECT_TIMEOUT_MILLIS from the request, puts {@link ConnectRequest#handler()} first in its
     * pipeline, sets the request's options, binds {@link ConnectRequest#local()} when set, and
     * connects. Names are never resolved here (that would block the loop): an unresolved remote
     * address fails the future. No buffers pass through here.
     *
     * @return completes with the connected channel, or fails (refused, timed out, an option the
     *         transport lacks or the kernel refuses) with the channel closed
     */
    @Override
    public ChannelFuture connect(ConnectRequest request) {
        InetSocketAddress remote = request.remote();
        EventLoop loop = request.eventLoop();
        // Java turns an IPv4-mapped IPv6 literal into an Inet4Address, so an IPv4 server gets an
        // IPv4 socket and no mapped address reaches the wire.
        StandardProtocolFamily family = remote.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(transport.socketChannelFactory(family))
                // The connect goes through channel.connect below; this only guards against a
                // blocking lookup should anything resolve through the bootstrap.
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.AUTO_READ, Boolean.FALSE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, request.connectTimeoutMillis())
                .option(ChannelOption.TCP_NODELAY, Boolean.TRUE)
                .handler(request.handler());

        ChannelFuture registered = bootstrap.register();
        if (registered.isDone() && !registered.isSuccess()) {
            return registered; // Bootstrap already closed the channel.
        }
        Channel channel = registered.channel();
        ChannelPromise connected = new DefaultChannelPromise(channel, loop);
        registered.addListener(r -> {
            if (!r.isSuccess()) {
                connected.setFailure(r.cause());
                return;
            }
            if (remote.isUnresolved()) {
                channel.close();
                connected.setFailure(new ChannelException("server address " + remote
                        + " is unresolved: names are resolved at config time, never on the event loop"));
                return;
            }
            try {
                for (Map.Entry<ChannelOption<?>, Object> e : request.options().entrySet()) {
                    set(channel, remote, e.getKey(), e.getValue());
                }
            } catch (RuntimeException e) {
                channel.close();
                connected.setFailure(e);
                return;
            }
            InetSocketAddress local = request.local();
            ChannelFuture c = local == null ? channel.connect(remote) : channel.connect(remote, local);
            c.addListener(f -> {
                if (f.isSuccess()) {
                    connected.setSuccess();
                } else {
                    channel.close();
                    connected.setFailure(f.cause());
                }
            });
        });
        return connected;
    }

    @SuppressWarnings("unchecked")
    private void set(Channel channel, InetSocketAddress remote, ChannelOption<?> option, Object value) {
        boolean supported;
        try {
            supported = channel.config().setOption((ChannelOption<Object>) option, value);
        } catch (RuntimeException e) {
            throw new ChannelException("connect " + remote + ": cannot set " + option + "=" + value
                    + " on the " + transport.name() + " transport: " + e.getMessage(), e);
        }
        if (!supported) {
            throw new ChannelException("connect " + remote + ": the " + transport.name()
                    + " transport does not support the socket option " + option);
        }
    }
}
