package io.junction.listener.tcp.internal;

import io.junction.api.BindRequest;
import io.junction.api.ListenerFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.PromiseCombiner;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.List;
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
    private final boolean perLoopAccept;

    /**
     * @param transport the event loops and channel classes to use
     * @param transportReason why this transport runs, quoted when a bind needs another one
     * @param accept how connections are accepted ({@link AcceptMode#PER_LOOP} needs a transport
     *        with SO_REUSEPORT; others fall back to {@link AcceptMode#SHARED})
     */
    TcpListenerFactory(NettyTransport transport, String transportReason, AcceptMode accept) {
        this.transport = transport;
        this.transportReason = transportReason;
        this.perLoopAccept = accept == AcceptMode.PER_LOOP;
    }

    /**
     * Config time (the core's configuration thread); does not block. Opens the listening
     * socket(s), sets their options, binds them, and completes the returned future with the
     * first listening channel (or with the first failure, having closed every channel opened).
     * Closing that channel closes the others too. Accepted channels get
     * {@link BindRequest#childHandler()}, TCP_NODELAY on unless the request says otherwise, and
     * auto-read on. No buffers pass through here.
     *
     * <p>How connections are accepted ({@link AcceptMode}): with {@code per-loop} (the default
     * where the transport has SO_REUSEPORT) each worker loop has a listening socket of its own
     * and serves the connections it accepts, so a new connection wakes one thread and crosses
     * none: the kernel spreads connections over the sockets by a hash of their addresses, as it
     * does for HAProxy's threads. With {@code shared} one accept loop owns the only socket and
     * hands each connection to the next worker loop (a cross-thread wake-up per connection).
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
        List<EventLoop> loops = perLoopAccept ? workerLoops() : List.of();
        if (loops.size() < 1) {
            return bindOne(request, transport.acceptGroup(), transport.workerGroup(), request.address(), false);
        }
        EventLoop firstLoop = loops.get(0);
        ChannelFuture first = bindOne(request, firstLoop, firstLoop, request.address(), true);
        ChannelPromise all = new DefaultChannelPromise(first.channel(), firstLoop);
        first.addListener(f -> {
            if (!f.isSuccess()) {
                all.setFailure(f.cause());
                return;
            }
            // Port 0 is resolved by the first bind; the others join that port. The host address
            // is the request's: io_uring reports an IPv4 bind on its dual-stack socket as mapped.
            int port = ((InetSocketAddress) first.channel().localAddress()).getPort();
            InetSocketAddress joined = new InetSocketAddress(request.address().getAddress(), port);
            bindRest(request, loops, 1, joined, first.channel(), new ArrayList<>(loops.size() - 1), all);
        });
        return all;
    }

    /** The worker loops, in order; empty when the transport cannot share a port between sockets. */
    private List<EventLoop> workerLoops() {
        if (transport.reusePort() == null) {
            return List.of();
        }
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : transport.workerGroup()) {
            loops.add((EventLoop) e);
        }
        return loops;
    }

    /**
     * Event loop of the first socket: binds the sockets of loops {@code index} and later one
     * after the other at {@code address}; on the first failure closes all of them, else ties
     * their lifetime to {@code first}'s.
     */
    private void bindRest(BindRequest request, List<EventLoop> loops, int index, InetSocketAddress address,
            Channel first, List<Channel> others, ChannelPromise all) {
        if (index == loops.size()) {
            if (!first.isOpen()) {
                // Closed while the others were binding (the listener was removed meanwhile).
                others.forEach(Channel::close);
                all.setFailure(new ChannelException("bind " + address + ": closed while binding"));
                return;
            }
            first.pipeline().addFirst(CloseTogether.NAME, new CloseTogether(others));
            all.setSuccess();
            return;
        }
        EventLoop loop = loops.get(index);
        ChannelFuture next = bindOne(request, loop, loop, address, true);
        next.addListener(f -> {
            if (!f.isSuccess()) {
                first.close();
                for (Channel other : others) {
                    other.close();
                }
                all.setFailure(f.cause());
                return;
            }
            others.add(next.channel());
            bindRest(request, loops, index + 1, address, first, others, all);
        });
    }

    /**
     * Config time: one listening socket on {@code parent}, its connections on {@code children}.
     *
     * @param reusePort whether to set SO_REUSEPORT (per-loop accept)
     */
    private ChannelFuture bindOne(BindRequest request, EventLoopGroup parent, EventLoopGroup children,
            InetSocketAddress address, boolean reusePort) {
        StandardProtocolFamily family = request.family();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(parent, children)
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
        // The parent group has one loop, so this is the loop the channel registers on; a failed
        // registration cannot leave the promise without an executor.
        ChannelPromise bound = new DefaultChannelPromise(channel, parent.next());
        registered.addListener(r -> {
            if (!r.isSuccess()) {
                bound.setFailure(r.cause());
                return;
            }
            try {
                if (reusePort) {
                    set(channel, address, transport.reusePort(), Boolean.TRUE);
                }
                applyOptions(channel, address, v6only, request.options());
            } catch (RuntimeException e) {
                channel.close();
                bound.setFailure(e);
                return;
            }
            channel.bind(address).addListener(b -> {
                if (b.isSuccess()) {
                    LOG.debug("listening on {} ({}, v6only={}, reuseport={})", address, transport.name(), v6only,
                            reusePort);
                    bound.setSuccess();
                } else {
                    channel.close();
                    bound.setFailure(b.cause());
                }
            });
        });
        return bound;
    }

    /**
     * On the first listening socket of a per-loop address: closing it closes the others first,
     * and its close completes only when all are closed, so that the core can rebind the port as
     * soon as the channel it holds is closed (no old socket left in the port's SO_REUSEPORT
     * group to take new connections).
     */
    static final class CloseTogether extends ChannelOutboundHandlerAdapter {
        static final String NAME = "junction-close-together";
        private final List<Channel> others;

        CloseTogether(List<Channel> others) {
            this.others = List.copyOf(others);
        }

        /** Event loop of the first socket; does not block. */
        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            PromiseCombiner combiner = new PromiseCombiner(ctx.executor());
            for (Channel other : others) {
                combiner.add(other.close());
            }
            ChannelPromise othersClosed = ctx.newPromise();
            combiner.finish(othersClosed);
            othersClosed.addListener(f -> ctx.close(promise));
        }
    }

    /** The listening socket's loop, before bind: SO_REUSEADDR, IPV6_V6ONLY, then the request's options. */
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
