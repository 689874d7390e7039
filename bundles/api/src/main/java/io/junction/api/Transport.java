package io.junction.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.StandardProtocolFamily;

/**
 * The I/O transport shared by listeners and connectors: event loops and the channel classes
 * that go with them (native epoll or io_uring where the host has them, NIO otherwise). A client
 * connection and its server connection live on the same event loop, so the channel classes of
 * both sides must come from here.
 */
public interface Transport {

    /** Service property (String): the transport's name, {@code epoll}, {@code io_uring} or {@code nio}. */
    String NAME = "junction.transport";

    /** The transport's name, as in {@value #NAME}. */
    String name();

    /** The event loops that accept connections. */
    EventLoopGroup acceptGroup();

    /** The event loops that serve connections, client and server side alike. */
    EventLoopGroup workerGroup();

    /** Server channels of this transport, for the given family (IPv4 or IPv6 socket). */
    ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family);

    /** Client channels of this transport, for the given family. */
    ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family);

    /**
     * The transport's IP_TRANSPARENT socket option, or {@code null} when it has none (NIO
     * cannot set it: transparent proxying needs the epoll or io_uring transport).
     */
    ChannelOption<Boolean> ipTransparent();
}
