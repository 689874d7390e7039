package io.junction.listener.tls.internal;

import io.junction.api.BindOption;
import io.junction.api.InspectionReady;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;

/**
 * A listener on 127.0.0.1 that does at accept what the core does: applies the bind options in
 * order, counts the options that defer inspection, then adds a stand-in for the core's handler
 * last. The stand-in records when every gate fired {@link InspectionReady} and echoes the
 * decrypted bytes back (through the TLS handler, so the client reads them decrypted).
 */
final class TlsServer implements AutoCloseable {
    private final Channel server;
    final LinkedBlockingQueue<Core> accepted = new LinkedBlockingQueue<>();

    TlsServer(EventLoopGroup group, List<BindOption> options) {
        boolean terminates = options.stream().anyMatch(BindOption::terminatesTls);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        TestFacts facts = new TestFacts((InetSocketAddress) ch.remoteAddress(),
                                (InetSocketAddress) ch.localAddress(), terminates);
                        int gates = 0;
                        try {
                            for (BindOption o : options) {
                                o.accepted(ch, facts);
                                if (o.defersInspection()) {
                                    gates++;
                                }
                            }
                        } catch (RuntimeException e) {
                            ch.close();
                            return;
                        }
                        Core core = new Core(facts, gates);
                        ch.pipeline().addLast("junction", core);
                        accepted.add(core);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The next accepted connection's stand-in (waits up to 10 s). */
    Core next() throws InterruptedException {
        Core c = accepted.poll(10, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no connection accepted");
        }
        return c;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** Stand-in for the core's connection handler. */
    static final class Core extends ChannelInboundHandlerAdapter {
        final TestFacts facts;
        private int gates;
        /** Completes when every gate fired; holds the pipeline's handler names at that moment. */
        final CompletableFuture<List<String>> ready = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        volatile int readyEvents;

        Core(TestFacts facts, int gates) {
            this.facts = facts;
            this.gates = gates;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == InspectionReady.INSTANCE) {
                readyEvents++;
                if (--gates == 0) {
                    ready.complete(new ArrayList<>(ctx.pipeline().names()));
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** Echoes the decrypted bytes; the write releases them. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
            ready.completeExceptionally(new IllegalStateException("closed before ready"));
            ctx.fireChannelInactive();
        }

        boolean hasSslHandler(Channel ch) {
            return ch.pipeline().get(SslHandler.class) != null;
        }
    }

    /** What a client saw. */
    record Result(X509Certificate peer, String alpn, String protocol) {
        String cn() {
            return peer.getSubjectX500Principal().getName();
        }
    }

    /**
     * A JDK TLS client: connects to 127.0.0.1:port, sends {@code sni} (none when null) and
     * offers {@code alpn}, completes the handshake and checks that "ping\n" comes back.
     */
    static Result connect(SSLContext ctx, int port, String sni, String[] alpn, String[] protocols, String[] ciphers)
            throws IOException {
        forgetSessions(ctx);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            return handshake(s, sni, alpn, protocols, ciphers);
        }
    }

    static Result connect(SSLContext ctx, int port, String sni, String... alpn) throws IOException {
        return connect(ctx, port, sni, alpn, null, null);
    }

    /**
     * The JDK client caches sessions by host and port, not by server name, and resumes one with
     * the server name it was made for: a second connection to the same port with another SNI
     * would silently send the first name again. Every test connection starts afresh.
     */
    static void forgetSessions(SSLContext ctx) {
        SSLSessionContext sessions = ctx.getClientSessionContext();
        for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements();) {
            SSLSession session = sessions.getSession(ids.nextElement());
            if (session != null) {
                session.invalidate();
            }
        }
    }

    /** Wraps an already connected plain socket (after a PROXY header was written on it). */
    static Result over(SSLContext ctx, Socket plain, String sni) throws IOException {
        forgetSessions(ctx);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true)) {
            return handshake(s, sni, new String[0], null, null);
        }
    }

    private static Result handshake(SSLSocket s, String sni, String[] alpn, String[] protocols, String[] ciphers)
            throws IOException {
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        if (protocols != null) {
            p.setProtocols(protocols);
        }
        if (ciphers != null) {
            p.setCipherSuites(ciphers);
        }
        s.setSSLParameters(p);
        s.startHandshake();
        X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
        s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        byte[] back = in.readNBytes(5);
        if (!"ping\n".equals(new String(back, StandardCharsets.US_ASCII))) {
            throw new IOException("echo did not come back: '" + new String(back, StandardCharsets.US_ASCII) + "'");
        }
        return new Result(peer, s.getApplicationProtocol(), s.getSession().getProtocol());
    }
}
