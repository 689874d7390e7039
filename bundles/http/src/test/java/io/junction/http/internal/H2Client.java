package io.junction.http.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/2 client over TLS (Netty's frame codec and multiplexer), with full control over
 * what browsers decide: the SNI of the connection and the {@code :authority} of each stream.
 * Each request is one stream; the response is aggregated (bounded) and copied out, so nothing
 * the client holds needs releasing by the test.
 */
final class H2Client implements AutoCloseable {

    /** One response: status, its fields (lower-case names, last value wins), body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Channel connection;

    /** Connects over TLS with {@code sni} (null: none) and ALPN h2 only; waits for the handshake. */
    H2Client(InetSocketAddress proxy, String sni) throws Exception {
        SslContext ctx = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(sni == null ? ctx.newHandler(ch.alloc())
                                : ctx.newHandler(ch.alloc(), sni, proxy.getPort()));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                });
        connection = b.connect(proxy).sync().channel();
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (!ssl.handshakeFuture().await(10, TimeUnit.SECONDS) || !ssl.handshakeFuture().isSuccess()) {
            throw new IOException("TLS handshake failed", ssl.handshakeFuture().cause());
        }
        if (!"h2".equals(ssl.applicationProtocol())) {
            throw new IOException("ALPN chose " + ssl.applicationProtocol() + ", not h2");
        }
    }

    /** Sends one request on a new stream and waits for its response (10 s). */
    Response send(HttpMethod method, String path, String authority, byte[] body) throws Exception {
        CompletableFuture<Response> result = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                        ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024 * 1024));
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext c, FullHttpResponse r) {
                                Map<String, String> h = new HashMap<>();
                                r.headers().forEach(e -> h.put(e.getKey().toLowerCase(), e.getValue()));
                                result.complete(new Response(r.status().code(), h, ByteBufUtil.getBytes(r.content())));
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext c) {
                                result.completeExceptionally(new IOException("stream closed without a response"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                                result.completeExceptionally(cause);
                                c.close();
                            }
                        });
                    }
                }).open().get(10, TimeUnit.SECONDS);
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (authority != null) {
            req.headers().set(HttpHeaderNames.HOST, authority);
        }
        if (body != null) {
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        stream.writeAndFlush(req).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        return result.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        connection.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
