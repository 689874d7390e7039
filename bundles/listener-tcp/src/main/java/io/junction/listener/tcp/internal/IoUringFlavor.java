package io.junction.listener.tcp.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import java.net.StandardProtocolFamily;

/**
 * Linux io_uring. Netty 4.2's io_uring channels have no per-family constructor: each socket is
 * IPv6 (dual stack) whenever the host has IPv6, and an IPv4 address is bound as its IPv4-mapped
 * form; Netty reports IPv4 peers of such sockets as IPv4 addresses. IPV6_V6ONLY is set through
 * the generic setsockopt option, as on epoll.
 */
final class IoUringFlavor implements Flavor {
    private static final ChannelFactory<IoUringServerSocketChannel> SERVER = IoUringServerSocketChannel::new;
    private static final ChannelFactory<IoUringSocketChannel> SOCKET = IoUringSocketChannel::new;

    static boolean isAvailable() {
        return IoUring.isAvailable();
    }

    static Throwable unavailabilityCause() {
        return IoUring.unavailabilityCause();
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return IoUringIoHandler.newFactory();
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family) {
        return SERVER;
    }

    @Override
    public ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family) {
        return SOCKET;
    }

    @Override
    public ChannelOption<Boolean> ipTransparent() {
        return IoUringChannelOption.IP_TRANSPARENT;
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
