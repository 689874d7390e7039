package io.junction.backend.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.InspectionReady;
import io.junction.api.ServerOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both sides over real sockets on loopback: a client connection whose options are
 * {@code send-proxy} or {@code send-proxy-v2} (the header carries documentation addresses that
 * only travel inside the header, nothing is sent to them) reaches a listener with the
 * {@code accept-proxy} handlers, which must see the header's addresses and then the payload.
 */
class LoopbackTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** What the listener saw on one connection. */
    private static final class Seen extends ChannelInboundHandlerAdapter {
        final TestFacts facts = new TestFacts();
        final CompletableFuture<InetSocketAddress> sourceAtReady = new CompletableFuture<>();
        final CompletableFuture<byte[]> payload = new CompletableFuture<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int expected;

        Seen(int expected) {
            this.expected = expected;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == InspectionReady.INSTANCE) {
                sourceAtReady.complete(facts.source());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                bytes.writeBytes(ByteBufUtil.getBytes(buf));
            } finally {
                buf.release();
            }
            if (bytes.size() >= expected) {
                payload.complete(bytes.toByteArray());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            payload.completeExceptionally(cause);
            ctx.close();
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({
        "send-proxy,    127.0.0.1, 203.0.113.7, 40001, 192.0.2.1,   443",
        "send-proxy-v2, 127.0.0.1, 203.0.113.7, 40001, 192.0.2.1,   443",
        "send-proxy,    ::1,       2001:db8::7, 40001, 2001:db8::1, 443",
        "send-proxy-v2, ::1,       2001:db8::7, 40001, 2001:db8::1, 443",
    })
    void headerCrossesARealConnection(String keyword, String loopback, String src, int srcPort, String dst, int dstPort)
            throws Exception {
        InetAddress listen = InetAddress.getByName(loopback);
        byte[] payload = "hello after the header".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Seen> accepted = new CompletableFuture<>();
        Channel server;
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            Seen seen = new Seen(payload.length);
                            ch.pipeline().addLast(seen);
                            AcceptProxyProvider.ACCEPT_PROXY.accepted(ch, seen.facts);
                            accepted.complete(seen);
                        }
                    })
                    .bind(new InetSocketAddress(listen, 0)).sync().channel();
        } catch (Exception e) {
            assumeTrue(false, "cannot listen on " + loopback + ": " + e);
            return;
        }
        try {
            List<ServerOption> options = List.of(new SendProxyProvider().parse(keyword, new SendProxyTest.LineWords(""),
                    SendProxyTest.context()));
            TestFacts clientFacts = TestFacts.of(src, srcPort, dst, dstPort);
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            try {
                // As the core does: options on the event loop, then the client's bytes, one flush.
                client.eventLoop().submit(() -> {
                    for (ServerOption option : options) {
                        option.connected(client, clientFacts);
                    }
                    client.writeAndFlush(client.alloc().buffer().writeBytes(payload));
                }).get(10, TimeUnit.SECONDS);
                Seen seen = accepted.get(10, TimeUnit.SECONDS);
                assertEquals(new InetSocketAddress(InetAddress.getByName(src), srcPort),
                        seen.sourceAtReady.get(10, TimeUnit.SECONDS));
                assertArrayEquals(payload, seen.payload.get(10, TimeUnit.SECONDS));
                assertEquals(new InetSocketAddress(InetAddress.getByName(dst), dstPort), seen.facts.destination());
            } finally {
                client.close().sync();
            }
        } finally {
            server.close().sync();
        }
    }
}
