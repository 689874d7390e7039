package io.junction.listener.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.BindRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real sockets on loopback, once per transport this host offers. */
class TcpListenerFactoryTest {
    /** Bound on every wait: a broken listener fails the test instead of hanging it. */
    private static final int WAIT_MILLIS = 5_000;

    private NettyTransport transport;
    private Channel listening;

    static Stream<TransportKind> kinds() {
        return Hosts.availableKinds();
    }

    private TcpListenerFactory factory(TransportKind kind) {
        return factory(kind, AcceptMode.PER_LOOP);
    }

    private TcpListenerFactory factory(TransportKind kind, AcceptMode accept) {
        transport = new NettyTransport(kind, 2);
        return new TcpListenerFactory(transport, "the test asked for " + kind.configName(), accept);
    }

    @AfterEach
    void stop() {
        if (listening != null) {
            listening.close().awaitUninterruptibly(WAIT_MILLIS);
        }
        if (transport != null) {
            assertTrue(transport.shutdown(), "event loops stopped within the bound");
        }
    }

    /** Echoes every buffer back; the write releases it. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    private Channel bound(ChannelFuture f) {
        assertTrue(f.awaitUninterruptibly(WAIT_MILLIS), "bind completed");
        if (!f.isSuccess()) {
            throw new AssertionError("bind failed", f.cause());
        }
        listening = f.channel();
        return listening;
    }

    private static Throwable failed(ChannelFuture f) {
        assertTrue(f.awaitUninterruptibly(WAIT_MILLIS), "bind completed");
        assertFalse(f.isSuccess(), "bind should have failed");
        assertFalse(f.channel().isOpen(), "a failed listener is closed");
        return f.cause();
    }

    private static void assertEchoes(InetAddress host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), WAIT_MILLIS);
            s.setSoTimeout(WAIT_MILLIS);
            byte[] hello = "hello junction".getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            out.write(hello);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] got = in.readNBytes(hello.length);
            assertArrayEquals(hello, got);
        }
    }

    private static int port(Channel ch) {
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void echoesOnIpv4Loopback(TransportKind kind) throws IOException {
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, Echo.INSTANCE)));
        assertEquals(Boolean.TRUE, ch.config().getOption(ChannelOption.SO_REUSEADDR));
        assertEchoes(ip("127.0.0.1"), port(ch));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void echoesOnIpv6Loopback(TransportKind kind) throws IOException {
        assumeTrue(Hosts.hasIpv6Loopback(), "no IPv6 on loopback");
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("::1"), 0),
                StandardProtocolFamily.INET6, Echo.INSTANCE)));
        assertEchoes(ip("::1"), port(ch));
    }

    /**
     * IPv6-only on the wildcard: IPv4 clients are refused, and an IPv4 socket can take the same
     * port (the source article's {@code bind ipv4@:80} next to {@code bind ipv6@:80}).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void v6onlyRefusesIpv4AndLeavesThePortToIt(TransportKind kind) throws IOException {
        assumeTrue(Hosts.hasIpv6Loopback(), "no IPv6 on loopback");
        ChannelFuture f = factory(kind).bind(new BindRequest(new InetSocketAddress(ip("::"), 0),
                StandardProtocolFamily.INET6, Echo.INSTANCE).v6only(true));
        if (kind == TransportKind.NIO) {
            Throwable cause = failed(f);
            assertTrue(cause.getMessage().contains("IPV6_V6ONLY"), cause.getMessage());
            assertTrue(cause.getMessage().contains("this host runs nio because the test asked for nio"),
                    cause.getMessage());
            return;
        }
        Channel ch = bound(f);
        int port = port(ch);
        assertEchoes(ip("::1"), port);
        try (Socket s = new Socket()) {
            assertThrows(ConnectException.class,
                    () -> s.connect(new InetSocketAddress(ip("127.0.0.1"), port), WAIT_MILLIS));
        }
        try (ServerSocket v4 = new ServerSocket()) {
            v4.bind(new InetSocketAddress(ip("127.0.0.1"), port)); // must not clash
        }
    }

    /** Dual stack on the wildcard: IPv4 clients are served, the IPv4 port is taken. */
    @ParameterizedTest
    @MethodSource("kinds")
    void v4v6AcceptsIpv4AndHoldsTheIpv4Port(TransportKind kind) throws IOException {
        assumeTrue(Hosts.hasIpv6Loopback(), "no IPv6 on loopback");
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("::"), 0),
                StandardProtocolFamily.INET6, Echo.INSTANCE).v6only(false)));
        int port = port(ch);
        assertEchoes(ip("::1"), port);
        assertEchoes(ip("127.0.0.1"), port);
        try (ServerSocket v4 = new ServerSocket()) {
            assertThrows(BindException.class, () -> v4.bind(new InetSocketAddress(ip("127.0.0.1"), port)));
        }
    }

    /** On a specific IPv6 address v6only changes nothing, so NIO accepts it too. */
    @ParameterizedTest
    @MethodSource("kinds")
    void v6onlyOnASpecificAddressWorksEverywhere(TransportKind kind) throws IOException {
        assumeTrue(Hosts.hasIpv6Loopback(), "no IPv6 on loopback");
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("::1"), 0),
                StandardProtocolFamily.INET6, Echo.INSTANCE).v6only(true)));
        assertEchoes(ip("::1"), port(ch));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void requestOptionsReachTheListeningSocket(TransportKind kind) throws IOException {
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, Echo.INSTANCE).option(ChannelOption.SO_BACKLOG, 7)));
        assertEquals(7, ch.config().getOption(ChannelOption.SO_BACKLOG));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void childOptionsReachAcceptedSockets(TransportKind kind) throws Exception {
        CompletableFuture<Boolean> noDelay = new CompletableFuture<>();
        ChannelHandler probe = new ProbeHandler(noDelay);
        Channel ch = bound(factory(kind).bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, probe).childOption(ChannelOption.TCP_NODELAY, false)));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip("127.0.0.1"), port(ch)), WAIT_MILLIS);
            assertEquals(Boolean.FALSE, noDelay.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    @ChannelHandler.Sharable
    static final class ProbeHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Boolean> noDelay;

        ProbeHandler(CompletableFuture<Boolean> noDelay) {
            this.noDelay = noDelay;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            noDelay.complete(ctx.channel().config().getOption(ChannelOption.TCP_NODELAY));
            ctx.close();
        }
    }

    /** ServerBootstrap would log and go on; we fail the bind instead. */
    @Test
    void anOptionTheTransportLacksFailsTheBind() throws IOException {
        // Only NIO lacks the generic setsockopt option.
        Throwable cause = failed(factory(TransportKind.NIO).bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, Echo.INSTANCE).option(TcpListenerFactory.IPV6_V6ONLY, 1)));
        assertTrue(cause.getMessage().contains("does not support the socket option IPV6_V6ONLY"), cause.getMessage());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aPortInUseFailsTheBind(TransportKind kind) throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(ip("127.0.0.1"), 0));
            Throwable cause = failed(factory(kind).bind(new BindRequest(
                    new InetSocketAddress(ip("127.0.0.1"), taken.getLocalPort()), StandardProtocolFamily.INET,
                    Echo.INSTANCE)));
            assertNotNull(cause);
        }
    }

    /** IP_TRANSPARENT is set on the listening socket where the transport has it. */
    static Stream<TransportKind> nativeKinds() {
        return Hosts.availableKinds().filter(k -> k != TransportKind.NIO);
    }

    @ParameterizedTest
    @MethodSource("nativeKinds")
    void transparentReachesTheListeningSocket(TransportKind kind) throws IOException {
        TcpListenerFactory factory = factory(kind);
        ChannelOption<Boolean> transparent = transport.ipTransparent();
        ChannelFuture f = factory.bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, Echo.INSTANCE).option(transparent, true));
        assertTrue(f.awaitUninterruptibly(WAIT_MILLIS));
        if (!f.isSuccess()) {
            // Without CAP_NET_ADMIN the kernel refuses: the bind must fail, and say why.
            assertTrue(String.valueOf(f.cause().getMessage()).contains("IP_TRANSPARENT"), f.cause().toString());
            assumeTrue(false, "no CAP_NET_ADMIN here: " + f.cause().getMessage());
        }
        Channel ch = bound(f);
        assertEquals(Boolean.TRUE, ch.config().getOption(transparent));
        assertEchoes(ip("127.0.0.1"), port(ch));
    }

    // ------------------------------------------------------------ how connections are accepted

    /** Records, per accepted connection, whether the loop that accepted it also serves it. */
    @ChannelHandler.Sharable
    static final class LoopProbe extends ChannelInboundHandlerAdapter {
        final Set<EventLoop> servingLoops = ConcurrentHashMap.newKeySet();
        final Set<EventLoop> acceptingLoops = ConcurrentHashMap.newKeySet();
        final AtomicInteger crossed = new AtomicInteger();
        final CountDownLatch seen;

        LoopProbe(int connections) {
            seen = new CountDownLatch(connections);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            EventLoop serving = ctx.channel().eventLoop();
            EventLoop accepting = ctx.channel().parent().eventLoop();
            servingLoops.add(serving);
            acceptingLoops.add(accepting);
            if (serving != accepting) {
                crossed.incrementAndGet();
            }
            ctx.close();
            seen.countDown();
        }
    }

    /** Binds 127.0.0.1 in {@code mode}, opens and closes {@code count} connections, waits for all. */
    private LoopProbe acceptMany(TransportKind kind, AcceptMode mode, int count) throws Exception {
        LoopProbe probe = new LoopProbe(count);
        Channel ch = bound(factory(kind, mode).bind(new BindRequest(
                new InetSocketAddress(ip("127.0.0.1"), 0), StandardProtocolFamily.INET, probe)));
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(ip("127.0.0.1"), port(ch)), WAIT_MILLIS);
            }
        }
        assertTrue(probe.seen.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "every connection accepted");
        return probe;
    }

    /**
     * Per-loop accept: each worker loop has its own socket; the kernel spreads the connections
     * over them (64 connections all hashed onto one of two sockets: about 1 in 10^19), and a
     * connection is served by the loop that accepted it.
     */
    @ParameterizedTest
    @MethodSource("nativeKinds")
    void perLoopAcceptServesEachConnectionOnTheLoopThatAcceptedIt(TransportKind kind) throws Exception {
        LoopProbe probe = acceptMany(kind, AcceptMode.PER_LOOP, 64);
        assertEquals(0, probe.crossed.get(), "no connection handed to another loop");
        assertEquals(2, probe.acceptingLoops.size(), "both worker loops accept");
        Set<Object> workers = new HashSet<>();
        transport.workerGroup().forEach(workers::add);
        assertEquals(workers, new HashSet<Object>(probe.servingLoops), "served on the worker loops");
    }

    /** Shared accept: one accept loop, connections handed to the worker loops. */
    @ParameterizedTest
    @MethodSource("kinds")
    void sharedAcceptHandsConnectionsToTheWorkers(TransportKind kind) throws Exception {
        LoopProbe probe = acceptMany(kind, AcceptMode.SHARED, 8);
        assertEquals(Set.of(transport.acceptGroup().next()), probe.acceptingLoops);
        assertEquals(8, probe.crossed.get());
    }

    /**
     * Closing the channel the core holds closes every socket of the address before its close
     * completes: the port is free for a socket without SO_REUSEPORT right away.
     */
    @ParameterizedTest
    @MethodSource("nativeKinds")
    void closingThePerLoopListenerFreesThePort(TransportKind kind) throws IOException {
        Channel ch = bound(factory(kind, AcceptMode.PER_LOOP).bind(new BindRequest(
                new InetSocketAddress(ip("127.0.0.1"), 0), StandardProtocolFamily.INET, Echo.INSTANCE)));
        int port = port(ch);
        assertEchoes(ip("127.0.0.1"), port);
        assertTrue(ch.close().awaitUninterruptibly(WAIT_MILLIS));
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(ip("127.0.0.1"), port));
        }
    }

    /** A per-loop bind on a port that a shared-accept listener holds fails and leaves nothing open. */
    @ParameterizedTest
    @MethodSource("nativeKinds")
    void perLoopCannotJoinASocketWithoutReusePort(TransportKind kind) throws IOException {
        TcpListenerFactory shared = factory(kind, AcceptMode.SHARED);
        Channel held = bound(shared.bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), 0),
                StandardProtocolFamily.INET, Echo.INSTANCE)));
        TcpListenerFactory perLoop = new TcpListenerFactory(transport, "test", AcceptMode.PER_LOOP);
        assertNotNull(failed(perLoop.bind(new BindRequest(new InetSocketAddress(ip("127.0.0.1"), port(held)),
                StandardProtocolFamily.INET, Echo.INSTANCE))));
        assertEchoes(ip("127.0.0.1"), port(held));
    }

    @Test
    void acceptModeNames() {
        assertEquals(AcceptMode.PER_LOOP, AcceptMode.parse(null));
        assertEquals(AcceptMode.PER_LOOP, AcceptMode.parse(" Per-Loop "));
        assertEquals(AcceptMode.SHARED, AcceptMode.parse("shared"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AcceptMode.parse("threads")).getMessage()
                .contains("junction.accept='threads'"));
    }
}
