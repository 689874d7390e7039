package io.junction.http.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Plays the core for the HTTP mode: accepts connections on 127.0.0.1 (and ::1 on demand) and
 * hands each one to {@link HttpProxyMode#serve} with its facts and the test router, either at
 * once (as the core does when no sniffer runs) or after the first read, with those bytes as
 * {@code initial} (as the core does after sniffing).
 */
final class ProxyHarness implements AutoCloseable {
    final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final HttpProxyMode mode;
    final TestRouter router = new TestRouter();
    final List<Channel> clients = new CopyOnWriteArrayList<>();
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    volatile boolean handOverOnFirstRead;
    volatile boolean tls;
    volatile int sendBuffer;

    ProxyHarness() {
        this(Map.of());
    }

    ProxyHarness(Map<String, Object> modeProperties) {
        mode = new HttpProxyMode(modeProperties);
    }

    /** Binds a listener on {@code address} port 0 and returns where it listens. */
    InetSocketAddress listen(InetAddress address) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, Boolean.TRUE)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sendBuffer > 0) {
                            ch.config().setSendBufferSize(sendBuffer);
                        }
                        clients.add(ch);
                        ch.pipeline().addLast("handover", new HandOver());
                    }
                });
        Channel server = b.bind(new InetSocketAddress(address, 0)).sync().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    Socket connect(InetSocketAddress proxy) throws IOException {
        Socket s = new Socket(proxy.getAddress(), proxy.getPort());
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private final class HandOver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!handOverOnFirstRead) {
                handOver(ctx, Unpooled.EMPTY_BUFFER);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            handOver(ctx, (ByteBuf) msg);
        }

        private void handOver(ChannelHandlerContext ctx, ByteBuf initial) {
            Channel ch = ctx.channel();
            ctx.pipeline().remove(this);
            TestFacts facts = new TestFacts((InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress(),
                    tls);
            mode.serve(ch, initial, facts, router);
        }
    }

    @Override
    public void close() {
        for (Channel c : servers) {
            c.close().syncUninterruptibly();
        }
        for (Channel c : clients) {
            c.close().syncUninterruptibly();
        }
        mode.deactivate();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
