package io.junction.listener.tcp.internal;

import io.junction.api.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.StandardProtocolFamily;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The event loops of one transport and the channel classes that go with them. Built at
 * activation, shut down at deactivation; every method but {@link #shutdown()} is safe from any
 * thread and does not block.
 */
final class NettyTransport implements Transport {
    /**
     * Quiet period of a graceful shutdown: tasks submitted within it still run. Short, because
     * by the time the transport stops, its services are unregistered and nothing new should come.
     */
    static final long SHUTDOWN_QUIET_MILLIS = 100;
    /** Upper bound of a graceful shutdown: after it Netty closes whatever is left. */
    static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;
    /** How long {@link #shutdown()} waits for the threads to end: the timeout plus slack. */
    static final long SHUTDOWN_WAIT_MILLIS = SHUTDOWN_TIMEOUT_MILLIS + 1_000;

    private final TransportKind kind;
    private final Flavor flavor;
    private final MultiThreadIoEventLoopGroup acceptGroup;
    private final MultiThreadIoEventLoopGroup workerGroup;

    /**
     * Config time: starts the event loop groups.
     *
     * @param kind an available transport
     * @param workerThreads the number of event loops that serve connections (at least 1)
     */
    NettyTransport(TransportKind kind, int workerThreads) {
        if (workerThreads < 1) {
            throw new IllegalArgumentException("workerThreads must be at least 1, was " + workerThreads);
        }
        this.kind = Objects.requireNonNull(kind, "kind");
        this.flavor = kind.newFlavor();
        // One accept loop for shared accept (NIO, or junction.accept=shared): one listening
        // socket is served by one loop anyway; more threads would sit idle. Its thread starts
        // only when a socket registers on it, so per-loop accept costs no idle thread.
        this.acceptGroup = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("junction-accept-" + kind.configName(), true), flavor.ioHandlerFactory());
        this.workerGroup = new MultiThreadIoEventLoopGroup(workerThreads,
                new DefaultThreadFactory("junction-io-" + kind.configName(), true), flavor.ioHandlerFactory());
    }

    TransportKind kind() {
        return kind;
    }

    /** Whether listening IPv6 sockets can be made IPv6-only on this transport. */
    boolean canSetV6Only() {
        return flavor.canSetV6Only();
    }

    /** Any thread: {@code epoll}, {@code io_uring} or {@code nio}. */
    @Override
    public String name() {
        return kind.configName();
    }

    /** Any thread: the single event loop that accepts connections on every listening socket. */
    @Override
    public EventLoopGroup acceptGroup() {
        return acceptGroup;
    }

    /** Any thread: the event loops that serve client and server connections alike. */
    @Override
    public EventLoopGroup workerGroup() {
        return workerGroup;
    }

    /** Any thread, does not block: a shared factory of listening channels for {@code family}. */
    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family) {
        return flavor.serverChannelFactory(Objects.requireNonNull(family, "family"));
    }

    /** Any thread, does not block: a shared factory of connecting channels for {@code family}. */
    @Override
    public ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family) {
        return flavor.socketChannelFactory(Objects.requireNonNull(family, "family"));
    }

    /** Any thread: the transport's SO_REUSEPORT option, {@code null} on NIO. */
    ChannelOption<Boolean> reusePort() {
        return flavor.reusePort();
    }

    /** Any thread: the transport's IP_TRANSPARENT option, {@code null} on NIO. */
    @Override
    public ChannelOption<Boolean> ipTransparent() {
        return flavor.ipTransparent();
    }

    /**
     * Deactivation thread, never an event loop: shuts both groups down gracefully and waits at
     * most {@link #SHUTDOWN_WAIT_MILLIS} for them. Closes every channel still open on them.
     *
     * @return whether both groups terminated within the wait
     */
    boolean shutdown() {
        Future<?> a = acceptGroup.shutdownGracefully(SHUTDOWN_QUIET_MILLIS, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        Future<?> w = workerGroup.shutdownGracefully(SHUTDOWN_QUIET_MILLIS, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        // Both shut down in parallel; the second wait is what remains of one shared deadline.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MILLIS);
        boolean acceptDone = a.awaitUninterruptibly(SHUTDOWN_WAIT_MILLIS);
        long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        boolean workerDone = w.awaitUninterruptibly(left);
        return acceptDone && workerDone;
    }

    @Override
    public String toString() {
        return "Transport[" + kind.configName() + ", " + workerGroup.executorCount() + " worker threads]";
    }
}
