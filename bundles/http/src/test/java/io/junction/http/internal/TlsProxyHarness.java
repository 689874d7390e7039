package io.junction.http.internal;

import io.junction.api.WellKnownFacts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Plays listener-tls and the core for the HTTP mode on a terminating bind: TLS with a
 * generated certificate shared by several names and ALPN {@code h2,http/1.1} (what
 * {@code bind ... ssl crt FILE alpn h2,http/1.1} sets up); once the handshake completed it
 * stores the TLS facts as listener-tls does ({@link WellKnownFacts#TLS_SNI},
 * {@link WellKnownFacts#TLS_ALPN}) and hands the connection to {@link HttpProxyMode#serve} with
 * its TLS handler still in the pipeline, either at once or with the first decrypted bytes as
 * {@code initial} (as the core does after it read them).
 */
final class TlsProxyHarness implements AutoCloseable {
    final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final HttpProxyMode mode;
    final TestRouter router = new TestRouter();
    final List<TestFacts> facts = new CopyOnWriteArrayList<>();
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final SslContext sslContext;
    volatile boolean handOverOnFirstRead;

    TlsProxyHarness(String... dnsNames) throws Exception {
        this.mode = new HttpProxyMode(Map.of());
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X509Certificate cert = selfSigned(kp, dnsNames);
        this.sslContext = SslContextBuilder.forServer(kp.getPrivate(), cert)
                .sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
                .build();
    }

    private static X509Certificate selfSigned(KeyPair kp, String... dnsNames) throws Exception {
        X500Name subject = new X500Name("CN=" + dnsNames[0]);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(2))),
                subject, kp.getPublic());
        List<GeneralName> names = new ArrayList<>();
        for (String n : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, n));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        PrivateKey key = kp.getPrivate();
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    /** Binds 127.0.0.1 port 0 and returns where it listens. */
    InetSocketAddress listen() throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, Boolean.TRUE)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast("tls", sslContext.newHandler(ch.alloc()));
                        ch.pipeline().addLast("handover", new HandOver());
                    }
                });
        Channel server = b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        channels.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private final class HandOver extends ChannelInboundHandlerAdapter {
        private TestFacts connectionFacts;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            Channel ch = ctx.channel();
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            connectionFacts = new TestFacts((InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress(),
                    true);
            if (ssl.engine().getSession() instanceof ExtendedSSLSession ext) {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName host) {
                        connectionFacts.put(WellKnownFacts.TLS_SNI, host.getAsciiName());
                    }
                }
            }
            if (ssl.applicationProtocol() != null) {
                connectionFacts.put(WellKnownFacts.TLS_ALPN, List.of(ssl.applicationProtocol()));
            }
            facts.add(connectionFacts);
            if (!handOverOnFirstRead) {
                handOver(ctx, Unpooled.EMPTY_BUFFER);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            handOver(ctx, (ByteBuf) msg);
        }

        private void handOver(ChannelHandlerContext ctx, ByteBuf initial) {
            ctx.pipeline().remove(this);
            mode.serve(ctx.channel(), initial, connectionFacts, router);
        }
    }

    @Override
    public void close() {
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
        mode.deactivate();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
