package io.junction.listener.tcp.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.StandardProtocolFamily;
import java.nio.channels.spi.SelectorProvider;

/**
 * Java NIO, the portable fallback. The JDK offers neither IP_TRANSPARENT nor IPV6_V6ONLY: its
 * IPv6 sockets are always dual stack (the JDK clears IPV6_V6ONLY when it opens them).
 */
final class NioFlavor implements Flavor {
    private static final SelectorProvider PROVIDER = SelectorProvider.provider();
    private static final ChannelFactory<NioServerSocketChannel> SERVER4 =
            () -> new NioServerSocketChannel(PROVIDER, SocketProtocolFamily.INET);
    private static final ChannelFactory<NioServerSocketChannel> SERVER6 =
            () -> new NioServerSocketChannel(PROVIDER, SocketProtocolFamily.INET6);
    private static final ChannelFactory<NioSocketChannel> SOCKET4 =
            () -> new NioSocketChannel(PROVIDER, SocketProtocolFamily.INET);
    private static final ChannelFactory<NioSocketChannel> SOCKET6 =
            () -> new NioSocketChannel(PROVIDER, SocketProtocolFamily.INET6);

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return NioIoHandler.newFactory();
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family) {
        return family == StandardProtocolFamily.INET6 ? SERVER6 : SERVER4;
    }

    @Override
    public ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family) {
        return family == StandardProtocolFamily.INET6 ? SOCKET6 : SOCKET4;
    }

    @Override
    public ChannelOption<Boolean> ipTransparent() {
        return null;
    }

    @Override
    public ChannelOption<Boolean> reusePort() {
        // Netty's NIO server channel has no SO_REUSEPORT; NIO keeps the one accept loop.
        return null;
    }

    @Override
    public boolean canSetV6Only() {
        return false;
    }
}
