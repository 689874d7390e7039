package io.junction.listener.tcp.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import java.net.StandardProtocolFamily;

/**
 * What differs between Netty's transports. One implementation per transport, each in its own
 * class, so that the epoll and io_uring classes are loaded only when that transport is chosen
 * (the bundle imports their packages optionally: a NIO-only installation need not carry them).
 */
interface Flavor {

    /** Config time: a factory for one event loop's I/O handler; called once per event loop group. */
    IoHandlerFactory ioHandlerFactory();

    /** Any thread: listening channels for {@code family}. The factory is shared and stateless. */
    ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family);

    /** Any thread: connecting channels for {@code family}. The factory is shared and stateless. */
    ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family);

    /** The transport's IP_TRANSPARENT option, {@code null} when it has none. */
    ChannelOption<Boolean> ipTransparent();

    /**
     * The transport's SO_REUSEPORT option, {@code null} when it has none: with it, every worker
     * loop listens on a socket of its own and accepts the connections it then serves.
     */
    ChannelOption<Boolean> reusePort();

    /** Whether a listening socket of this transport can be made IPv6-only (IPV6_V6ONLY). */
    boolean canSetV6Only();
}
