package io.junction.http.internal;

import io.junction.api.Facts;
import io.junction.api.RequestRouter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection that negotiated HTTP/2 (ALPN {@code h2}, RFC 9113 section 3.2) on TLS a
 * bind terminated: Netty's frame codec and stream multiplexer, then this handler for what is
 * left at connection level (SETTINGS, PING and GOAWAY frames, idle timeouts). Every stream gets
 * its own child channel with an {@link Http2StreamFrameToHttpObjectCodec}, which turns its
 * frames into {@code HttpRequest}/{@code HttpContent} objects ({@code :authority} becomes
 * {@code Host}), and an {@link H2StreamHandler} that routes that one request like an HTTP/1.1
 * request and forwards it over HTTP/1.1 to a pooled server connection.
 *
 * <p><b>Bounds.</b> SETTINGS_MAX_CONCURRENT_STREAMS (default 100) and
 * SETTINGS_MAX_HEADER_LIST_SIZE (the HTTP/1 header limit, default 32 KiB) are announced and
 * enforced by the codec; per-stream flow control is Netty's (a stream's window is returned only
 * as its handler reads, and a handler reads only while its server connection takes the body);
 * the codec's defences against control-frame floods and rapid reset stay on at their defaults.
 *
 * <p><b>Timeouts.</b> {@code timeout http-request} until the first stream opens,
 * {@code timeout http-keep-alive} whenever no stream is open; then the connection ends with a
 * GOAWAY. Streams time themselves ({@code timeout server}, {@code timeout client}).
 *
 * <p>Event loop of the client channel only (stream channels share it).
 */
final class H2Connection extends ChannelInboundHandlerAdapter implements Deadline.Expiry {
    private static final Logger LOG = LoggerFactory.getLogger(H2Connection.class);

    static final String CODEC = "junction-h2-codec";
    static final String MULTIPLEX = "junction-h2-multiplex";
    static final String HANDLER = "junction-h2";
    private static final String INJECT = "junction-h2-inject";

    private static final int T_REQUEST = 1;
    private static final int T_KEEP_ALIVE = 2;

    final HttpProxyMode mode;
    final HttpCounters counters;
    final Channel client;
    final Facts facts;
    final RequestRouter router;
    /** The server name of the connection's TLS (SNI), or null when the client sent none. */
    final String sni;
    final boolean forwardFor;
    final boolean forwarded;
    final boolean originalTo;
    final boolean serverClose;
    private final Deadline idle;
    private int openStreams;

    private H2Connection(HttpProxyMode mode, Channel client, Facts facts, RequestRouter router) {
        this.mode = mode;
        this.counters = mode.countersInternal();
        this.client = client;
        this.facts = facts;
        this.router = router;
        this.sni = TlsConnection.sni(client, facts);
        Set<String> options = router.options();
        this.forwardFor = options.contains("forwardfor");
        this.forwarded = options.contains("forwarded");
        this.originalTo = options.contains("originalto");
        this.serverClose = options.contains("http-server-close") || options.contains("httpclose");
        this.idle = new Deadline(client.eventLoop(), this);
    }

    /**
     * Event loop of {@code client}: installs the HTTP/2 codec, the stream multiplexer and the
     * connection handler at the end of the pipeline (after the TLS handler), then passes
     * {@code initial} (decrypted bytes the core already read: the start of the client's
     * connection preface) to the codec. Ownership of {@code initial} passes here.
     */
    static void serve(HttpProxyMode mode, Channel client, ByteBuf initial, Facts facts, RequestRouter router,
            int maxConcurrentStreams, int maxHeaderListSize) {
        H2Connection conn = new H2Connection(mode, client, facts, router);
        conn.counters.h2Connections.increment();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(maxConcurrentStreams)
                        .maxHeaderListSize(maxHeaderListSize))
                .validateHeaders(true)
                .build();
        Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true));
                ch.pipeline().addLast(new H2StreamHandler(conn, ch));
            }
        });
        ChannelPipeline p = client.pipeline();
        boolean inject = initial.isReadable();
        if (inject) {
            // Bytes handed over must enter right in front of the codec, not at the head of the
            // pipeline where the TLS handler would take them for ciphertext.
            p.addLast(INJECT, new ChannelInboundHandlerAdapter());
        }
        p.addLast(CODEC, codec);
        p.addLast(MULTIPLEX, multiplex);
        p.addLast(HANDLER, conn);
        if (!inject) {
            initial.release();
            return;
        }
        ChannelHandlerContext at = p.context(INJECT);
        at.fireChannelRead(initial);
        at.fireChannelReadComplete();
        if (p.get(INJECT) != null) {
            p.remove(INJECT);
        }
    }

    /** Event loop, when added: the first stream must open within {@code timeout http-request}. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        idle.arm(T_REQUEST, router.timeout("http-request"));
    }

    /** Event loop, from a stream handler: a stream opened; the connection is not idle. */
    void streamOpened() {
        openStreams++;
        counters.h2Streams.increment();
        idle.disarm();
    }

    /** Event loop, from a stream handler: a stream ended; with none left the keep-alive wait starts. */
    void streamClosed() {
        if (--openStreams == 0 && client.isActive()) {
            idle.arm(T_KEEP_ALIVE, router.timeout("http-keep-alive"));
        }
    }

    /** Event loop: the idle wait passed; closing makes the codec send GOAWAY first (RFC 9113 section 6.8). */
    @Override
    public void expired(Deadline d, int kind) {
        if (openStreams > 0) {
            return;
        }
        if (kind == T_REQUEST) {
            counters.requestTimeout.increment();
            LOG.debug("{} {}: no HTTP/2 request within timeout http-request [request_timeout={}]",
                    router.frontend(), facts.source(), counters.requestTimeout.sum());
        } else {
            counters.keepAliveTimeout.increment();
            LOG.debug("{} {}: HTTP/2 connection idle beyond timeout http-keep-alive [keep_alive_timeout={}]",
                    router.frontend(), facts.source(), counters.keepAliveTimeout.sum());
        }
        client.close();
    }

    /** Event loop: connection-level frames (SETTINGS, PING, GOAWAY...) end here, released. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    /** Event loop: a client that closed its sending side sends no more streams; the connection ends. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    /** Event loop: the connection is gone (its streams were closed by the multiplexer). */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idle.disarm();
    }

    /** Event loop: an error the codec did not handle closes the connection. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{} {}: HTTP/2 connection: {}", router.frontend(), facts.source(), cause.toString());
        ctx.close();
    }
}
