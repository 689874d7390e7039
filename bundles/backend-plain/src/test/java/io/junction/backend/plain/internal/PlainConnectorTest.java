package io.junction.backend.plain.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.ConnectRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real outbound connections to java.net.ServerSockets on loopback. */
class PlainConnectorTest {
    /** Bound on every wait: a broken connector fails the test instead of hanging it. */
    private static final int WAIT_MILLIS = 5_000;

    private final NioTestTransport transport = new NioTestTransport();
    private final PlainConnector connector = new PlainConnector(transport);
    private final EventLoop loop = transport.group.next();
    private Channel outbound;

    @AfterEach
    void stop() {
        if (outbound != null) {
            outbound.close().awaitUninterruptibly(WAIT_MILLIS);
        }
        transport.close();
    }

    /** Collects what the server sends as text, releasing each buffer. */
    static final class Collect extends ChannelInboundHandlerAdapter {
        final BlockingQueue<String> received = new ArrayBlockingQueue<>(16);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                received.add(b.toString(StandardCharsets.US_ASCII));
            } finally {
                b.release();
            }
        }
    }

    /** Calls connect on the request's event loop, as the core does, and waits for the result. */
    private ChannelFuture connect(ConnectRequest request) throws Exception {
        Callable<ChannelFuture> call = () -> connector.connect(request);
        ChannelFuture f = loop.submit(call).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertTrue(f.awaitUninterruptibly(WAIT_MILLIS), "connect completed");
        return f;
    }

    private Channel connected(ConnectRequest request) throws Exception {
        ChannelFuture f = connect(request);
        if (!f.isSuccess()) {
            throw new AssertionError("connect failed", f.cause());
        }
        outbound = f.channel();
        return outbound;
    }

    private static Throwable failed(ChannelFuture f) {
        assertFalse(f.isSuccess(), "connect should have failed");
        assertFalse(f.channel().isOpen(), "a failed connection is closed");
        return f.cause();
    }

    private static boolean hasIpv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Connects, checks the channel's setup, and reads what the server sends once asked to. */
    private void connectsAndReads(String host, StandardProtocolFamily family) throws Exception {
        InetAddress ip = InetAddress.getByName(host);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(ip, 0));
            server.setSoTimeout(WAIT_MILLIS);
            Collect collect = new Collect();
            Channel ch = connected(new ConnectRequest(loop, new InetSocketAddress(ip, server.getLocalPort()),
                    collect, WAIT_MILLIS));
            assertEquals(family, transport.lastSocketFamily);
            assertSame(loop, ch.eventLoop(), "registered on the request's event loop");
            assertSame(collect, ch.pipeline().first(), "the request's handler starts the pipeline");
            assertEquals(Boolean.FALSE, ch.config().getOption(ChannelOption.AUTO_READ));
            assertEquals(Boolean.TRUE, ch.config().getOption(ChannelOption.TCP_NODELAY));
            assertEquals(WAIT_MILLIS, ch.config().getOption(ChannelOption.CONNECT_TIMEOUT_MILLIS));
            try (Socket accepted = server.accept()) {
                OutputStream out = accepted.getOutputStream();
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // Auto-read is off: nothing arrives until the core asks.
                assertEquals(null, collect.received.poll(200, TimeUnit.MILLISECONDS));
                ch.read();
                assertEquals("hello", collect.received.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void connectsToIpv4Loopback() throws Exception {
        connectsAndReads("127.0.0.1", StandardProtocolFamily.INET);
    }

    @Test
    void connectsToIpv6Loopback() throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 on loopback");
        connectsAndReads("::1", StandardProtocolFamily.INET6);
    }

    /** An IPv4-mapped literal is an IPv4 server: IPv4 socket, no mapped address on the wire. */
    @Test
    void aMappedLiteralGetsAnIpv4Socket() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            connected(new ConnectRequest(loop, new InetSocketAddress(InetAddress.getByName("::ffff:127.0.0.1"),
                    server.getLocalPort()), new Collect(), WAIT_MILLIS));
            assertEquals(StandardProtocolFamily.INET, transport.lastSocketFamily);
        }
    }

    @Test
    void aClosedPortFailsTheFuture() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            port = s.getLocalPort();
        }
        Throwable cause = failed(connect(new ConnectRequest(loop,
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), new Collect(), WAIT_MILLIS)));
        assertInstanceOf(ConnectException.class, cause);
    }

    /** 127.0.0.2 is loopback too: the server must see it as the client's address. */
    @Test
    void theLocalBindIsHonoured() throws Exception {
        InetAddress local = InetAddress.getByName("127.0.0.2");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            server.setSoTimeout(WAIT_MILLIS);
            Channel ch = connected(new ConnectRequest(loop,
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()), new Collect(),
                    WAIT_MILLIS).local(new InetSocketAddress(local, 0)));
            assertEquals(local, ((InetSocketAddress) ch.localAddress()).getAddress());
            try (Socket accepted = server.accept()) {
                assertEquals(local, accepted.getInetAddress());
                assertEquals(((InetSocketAddress) ch.localAddress()).getPort(), accepted.getPort());
            }
        }
    }

    @Test
    void requestOptionsReachTheSocket() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            Channel ch = connected(new ConnectRequest(loop,
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()), new Collect(),
                    WAIT_MILLIS).option(ChannelOption.SO_KEEPALIVE, true));
            assertEquals(Boolean.TRUE, ch.config().getOption(ChannelOption.SO_KEEPALIVE));
        }
    }

    /** Bootstrap would log and connect anyway; an option that cannot be set fails instead. */
    @Test
    void anOptionTheTransportLacksFailsTheConnect() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            Throwable cause = failed(connect(new ConnectRequest(loop,
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()), new Collect(),
                    WAIT_MILLIS).option(new IntegerUnixChannelOption("IP_FREEBIND", 0, 15), 1)));
            assertTrue(cause.getMessage().contains("does not support the socket option IP_FREEBIND"),
                    cause.getMessage());
        }
    }

    /** Never a DNS lookup on the event loop: an unresolved name fails at once. */
    @Test
    void anUnresolvedAddressFailsWithoutLookingItUp() throws Exception {
        Throwable cause = failed(connect(new ConnectRequest(loop,
                InetSocketAddress.createUnresolved("backend.invalid", 443), new Collect(), WAIT_MILLIS)));
        assertTrue(cause.getMessage().contains("unresolved"), cause.getMessage());
    }

    @Test
    void theRequestHandlerSeesTheDataInOrder() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            server.setSoTimeout(WAIT_MILLIS);
            Channel ch = connected(new ConnectRequest(loop,
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()), new Collect(),
                    WAIT_MILLIS));
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(WAIT_MILLIS);
                byte[] msg = "client bytes".getBytes(StandardCharsets.US_ASCII);
                ch.writeAndFlush(ch.alloc().buffer().writeBytes(msg)).awaitUninterruptibly(WAIT_MILLIS);
                assertArrayEquals(msg, accepted.getInputStream().readNBytes(msg.length));
            }
        }
    }
}
