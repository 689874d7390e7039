package io.junction.backend.plain.internal;

import io.junction.api.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.StandardProtocolFamily;
import java.nio.channels.spi.SelectorProvider;

/**
 * The smallest NIO Transport, for tests: plugins never depend on each other, so the real one
 * (listener-tcp) is not on this bundle's classpath. Records the families asked for.
 */
final class NioTestTransport implements Transport, AutoCloseable {
    final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    volatile StandardProtocolFamily lastSocketFamily;

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public EventLoopGroup acceptGroup() {
        return group;
    }

    @Override
    public EventLoopGroup workerGroup() {
        return group;
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family) {
        return () -> new NioServerSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.of(family));
    }

    @Override
    public ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family) {
        lastSocketFamily = family;
        return () -> new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.of(family));
    }

    @Override
    public ChannelOption<Boolean> ipTransparent() {
        return null;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
}
