package io.junction.listener.tcp.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.UnixChannelOption;
import java.net.StandardProtocolFamily;

/** Linux epoll: native sockets of the requested family, IP_TRANSPARENT and IPV6_V6ONLY settable. */
final class EpollFlavor implements Flavor {
    // Stateless factories, built once: bind and connect paths allocate no factory per call.
    private static final ChannelFactory<EpollServerSocketChannel> SERVER4 =
            () -> new EpollServerSocketChannel(SocketProtocolFamily.INET);
    private static final ChannelFactory<EpollServerSocketChannel> SERVER6 =
            () -> new EpollServerSocketChannel(SocketProtocolFamily.INET6);
    private static final ChannelFactory<EpollSocketChannel> SOCKET4 =
            () -> new EpollSocketChannel(SocketProtocolFamily.INET);
    private static final ChannelFactory<EpollSocketChannel> SOCKET6 =
            () -> new EpollSocketChannel(SocketProtocolFamily.INET6);

    static boolean isAvailable() {
        return Epoll.isAvailable();
    }

    static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return EpollIoHandler.newFactory();
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
        return EpollChannelOption.IP_TRANSPARENT;
    }

    @Override
    public ChannelOption<Boolean> reusePort() {
        return UnixChannelOption.SO_REUSEPORT;
    }

    @Override
    public boolean canSetV6Only() {
        return true;
    }
}
