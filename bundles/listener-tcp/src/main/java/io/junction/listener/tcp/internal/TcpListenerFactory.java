package io.junction.listener.tcp.internal;

import io.junction.api.BindRequest;
import io.junction.api.ListenerFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens listening TCP sockets on the transport's event loops.
 *
 * <p>Listening-socket options are applied by this class, not by {@link ServerBootstrap#option}:
 * ServerBootstrap only logs an option it cannot set and binds anyway, which would turn a failed
 * {@code transparent} or {@code v6only} into a listener that silently behaves differently. Here
 * an option that the transport does not support or that the kernel refuses fails the bind.
 */
final class TcpListenerFactory implements ListenerFactory {
    private static final Logger LOG = LoggerFactory.getLogger(TcpListenerFactory.class);

    /**
     * IPV6_V6ONLY through the generic setsockopt option of Netty's native transports (epoll and
     * io_uring both accept {@link IntegerUnixChannelOption}). Linux values from
     * {@code <netinet/in.h>}: {@code IPPROTO_IPV6 = 41}, {@code IPV6_V6ONLY = 26}; this bundle's
     * native transports exist for Linux only.
     */
    static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);

    private final NettyTransport transport;
    private final String transportReason;

    /**
     * @param transport the event loops and channel classes to use
     * @param transportReason why this transport runs, quoted when a bind needs another one
     */
    TcpListenerFactory(NettyTransport transport, String transportReason) {
        this.transport = transport;
        this.transportReason = transportReason;
    }

    /**
     * Config time (the core's configuration thread); does not block. Registers a listening
     * channel on the accept loop, sets its options there, binds it, and completes the returned
     * future with that channel (or with the first failure, having closed the channel). Accepted
     * channels run on the worker loops with {@link BindRequest#childHandler()}, TCP_NODELAY on
     * unless the request says otherwise, and auto-read on. No buffers pass through here.
     *
     * <p>{@link BindRequest#v6only()} is honoured for {@code INET6} sockets: {@code true} or
     * {@code false} sets IPV6_V6ONLY; {@code null} leaves the socket dual stack, because both
     * Netty's native transports and the JDK clear IPV6_V6ONLY when they open an IPv6 socket
     * (so {@code net.ipv6.bindv6only} does not apply). NIO cannot set IPV6_V6ONLY: an IPv6-only
     * request on an IPv6 wildcard address fails there with a message that says so; on a specific
     * IPv6 address it makes no difference (no IPv4 client can reach it) and is accepted.
     */
    @Override
    public ChannelFuture bind(BindRequest request) {
        InetSocketAddress address = request.address();
        StandardProtocolFamily family = request.family();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(transport.acceptGroup(), transport.workerGroup())
                .channelFactory(transport.serverChannelFactory(family))
                .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
                .childHandler(request.childHandler());
        for (Map.Entry<ChannelOption<?>, Object> e : request.childOptions().entrySet()) {
            setChildOption(bootstrap, e.getKey(), e.getValue());
        }
        Boolean v6only = family == StandardProtocolFamily.INET6 ? request.v6only() : null;

        ChannelFuture registered = bootstrap.register();
        Channel channel = registered.channel();
        if (registered.isDone() && !registered.isSuccess()) {
            return registered; // ServerBootstrap already closed the channel.
        }
        // The accept group has one loop, so this is the loop the channel registers on; a failed
        // registration cannot leave the promise without an executor.
        ChannelPromise bound = new DefaultChannelPromise(channel, transport.acceptGroup().next());
        registered.addListener(r -> {
            if (!r.isSuccess()) {
                bound.setFailure(r.cause());
                return;
            }
            try {
                applyOptions(channel, address, v6only, request.options());
            } catch (RuntimeException e) {
                channel.close();
                bound.setFailure(e);
                return;
            }
            channel.bind(address).addListener(b -> {
                if (b.isSuccess()) {
                    LOG.debug("listening on {} ({}, v6only={})", address, transport.name(), v6only);
                    bound.setSuccess();
                } else {
                    channel.close();
                    bound.setFailure(b.cause());
                }
            });
        });
        return bound;
    }

    /** Accept loop, before bind: SO_REUSEADDR, IPV6_V6ONLY, then the request's options. */
    private void applyOptions(Channel channel, InetSocketAddress address, Boolean v6only,
            Map<ChannelOption<?>, Object> options) {
        // SO_REUSEADDR: a restarted router rebinds at once even while old connections linger in
        // TIME_WAIT.
        set(channel, address, ChannelOption.SO_REUSEADDR, Boolean.TRUE);
        if (v6only != null) {
            if (transport.canSetV6Only()) {
                set(channel, address, IPV6_V6ONLY, v6only ? 1 : 0);
            } else if (v6only && needsV6Only(address)) {
                throw new ChannelException("bind " + address + ": an IPv6-only socket (v6only, or ipv6@ "
                        + "on a wildcard address) needs the epoll or io_uring transport: Java NIO cannot set "
                        + "IPV6_V6ONLY and its IPv6 sockets always accept IPv4 too; this host runs "
                        + transport.name() + " because " + transportReason
                        + ". Use 'v4v6' on this line and drop a separate ipv4@ bind on the same port, "
                        + "or bind a specific IPv6 address");
            }
            // NIO and v6only=false: the JDK's IPv6 sockets are dual stack already.
        }
        for (Map.Entry<ChannelOption<?>, Object> e : options.entrySet()) {
            set(channel, address, e.getKey(), e.getValue());
        }
    }

    /** Whether v6only changes who can connect: only on the IPv6 wildcard address. */
    private static boolean needsV6Only(InetSocketAddress address) {
        // Java turns ::ffff:a.b.c.d into an Inet4Address, so an Inet6Address is never mapped.
        return address.getAddress() instanceof Inet6Address && address.getAddress().isAnyLocalAddress();
    }

    @SuppressWarnings("unchecked")
    private void set(Channel channel, InetSocketAddress address, ChannelOption<?> option, Object value) {
        boolean supported;
        try {
            supported = channel.config().setOption((ChannelOption<Object>) option, value);
        } catch (RuntimeException e) {
            throw new ChannelException("bind " + address + ": cannot set " + option + "=" + value
                    + " on the " + transport.name() + " transport: " + e.getMessage(), e);
        }
        if (!supported) {
            throw new ChannelException("bind " + address + ": the " + transport.name()
                    + " transport does not support the socket option " + option);
        }
    }

    @SuppressWarnings("unchecked")
    private static void setChildOption(ServerBootstrap bootstrap, ChannelOption<?> option, Object value) {
        bootstrap.childOption((ChannelOption<Object>) option, value);
    }
}
