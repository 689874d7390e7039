package io.junction.http.internal;

import io.junction.api.Facts;
import io.junction.api.ProxyMode;
import io.junction.api.RequestRouter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mode http} ({@code junction.mode=http}): HTTP/1.1 and 1.0 proxying where every request
 * on a client connection is routed on its own through the frontend's {@link RequestRouter}.
 *
 * <p>Each client connection gets Netty's HTTP request decoder (strict: see
 * {@link FrontRequestDecoder}), a response encoder and a {@link FrontHandler}. Not Netty's
 * {@code HttpServerCodec}: its decoder is private, and the proxy needs to extend exactly that
 * decoder, to pause it between requests (pipelining without a queue) and to reject what its
 * strict mode still accepts (obs-fold, duplicate Content-Length in HTTP/1.0, loose request-line
 * whitespace). The decoder is configured as {@code HttpServerCodec} would be, through
 * {@link HttpDecoderConfig}; {@link FrontResponseEncoder} does the codec's HEAD/CONNECT part. Requests and
 * responses stream: bodies pass as Netty {@code HttpContent} chunks and are never aggregated;
 * reading each side follows the writability of the other. Server connections are kept alive
 * and reused through one bounded {@link BackendPool} per event loop.
 *
 * <p>A client whose TLS connection negotiated {@code h2} (ALPN, offered only when the bind
 * writes {@code alpn h2,http/1.1}) gets HTTP/2 instead: see {@link H2Connection}; each stream is
 * routed like an HTTP/1.1 request and forwarded over HTTP/1.1, and a stream for a host other
 * than the connection's SNI is answered 421.
 *
 * <p>Limits (component configuration {@code io.junction.http}, all optional):
 * <ul>
 *   <li>{@value #MAX_INITIAL_LINE} (default 8192): a request line beyond it gets 414. 8 KiB is
 *       what HAProxy and nginx accept by default ({@code large_client_header_buffers}), so URLs
 *       that work there work here.</li>
 *   <li>{@value #MAX_HEADER_SIZE} (default 32768): a header section beyond it gets 431
 *       (RFC 6585 section 5). Large cookies and JWTs fit; a slow client cannot make the proxy
 *       hold more than this per connection while it waits for the end of a head.</li>
 *   <li>{@value #MAX_CHUNK_SIZE} (default 65536): the largest body piece passed at once, one
 *       read buffer's worth; pieces are slices of what was read, never copies.</li>
 *   <li>{@value #MAX_IDLE_PER_SERVER} (default 16): idle server connections kept per server and
 *       event loop.</li>
 *   <li>{@value #H2_MAX_CONCURRENT_STREAMS} (default 100): HTTP/2 streams a client may have open
 *       at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); HTTP/2 header lists are
 *       bounded by {@value #MAX_HEADER_SIZE}.</li>
 * </ul>
 */
@Component(service = ProxyMode.class, property = ProxyMode.MODES + "=http", configurationPid = "io.junction.http")
public final class HttpProxyMode implements ProxyMode {
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyMode.class);

    public static final String MAX_INITIAL_LINE = "max.initial.line";
    public static final String MAX_HEADER_SIZE = "max.header.size";
    public static final String MAX_CHUNK_SIZE = "max.chunk.size";
    public static final String MAX_IDLE_PER_SERVER = "max.idle.per.server";
    public static final String H2_MAX_CONCURRENT_STREAMS = "h2.max.concurrent.streams";

    /**
     * Whether netty-codec-http2 can be loaded: the bundle imports it optionally, so that HTTP/1.x
     * keeps working in a framework without it (HTTP/2 connections are then refused).
     */
    static final boolean H2_AVAILABLE = h2Available();

    static final String DECODER = "junction-http-decoder";
    static final String ENCODER = "junction-http-encoder";
    static final String HANDLER = "junction-http";

    private final HttpCounters counters = new HttpCounters();
    private final ConcurrentHashMap<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
    private final HttpDecoderConfig requestConfig;
    private final HttpDecoderConfig responseConfig;
    private final int maxIdlePerServer;
    private final int maxConcurrentStreams;
    private final int maxHeaderListSize;
    private volatile boolean deactivated;

    /** SCR thread (or a test): reads the optional limits. */
    @Activate
    public HttpProxyMode(Map<String, Object> properties) {
        int maxLine = intProperty(properties, MAX_INITIAL_LINE, 8192);
        int maxHeaders = intProperty(properties, MAX_HEADER_SIZE, 32768);
        int maxChunk = intProperty(properties, MAX_CHUNK_SIZE, 65536);
        // Per server and per event loop. At least the concurrent requests a loop sends one server,
        // or connections are closed and reopened under load: 16 did that with 32 clients on 2
        // loops (the kernel spreads clients unevenly), 1 request in 80 opened a connection.
        // HAProxy keeps idle server connections without a count limit (pool-max-conn -1).
        this.maxIdlePerServer = intProperty(properties, MAX_IDLE_PER_SERVER, 64);
        // 100 is what RFC 9113 section 6.5.2 recommends as the least and what nginx and
        // HAProxy announce; every stream may hold a server connection, so it bounds those too.
        this.maxConcurrentStreams = Math.max(1, intProperty(properties, H2_MAX_CONCURRENT_STREAMS, 100));
        // HTTP/2 gets the same header budget as HTTP/1.x (SETTINGS_MAX_HEADER_LIST_SIZE counts
        // the decoded fields plus 32 bytes each, RFC 9113 section 6.5.2: close enough).
        this.maxHeaderListSize = maxHeaders;
        // Strict parsing (bare LF is an error), validated header names and values, no duplicate
        // Content-Length: the decoder rejects the classic smuggling shapes itself; what it lets
        // through, FrontRequestDecoder's scanner rejects.
        this.requestConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(maxLine)
                .setMaxHeaderSize(maxHeaders)
                .setMaxChunkSize(maxChunk)
                .setStrictLineParsing(true)
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setChunkedSupported(true);
        // Servers are trusted more than clients but not blindly: a response that is ambiguous
        // to frame (both lengths, duplicate lengths) is a 502, not something to pass on.
        this.responseConfig = requestConfig.clone();
    }

    /** SCR thread: closes the idle server connections of every event loop. */
    @Deactivate
    void deactivate() {
        deactivated = true;
        for (BackendPool pool : pools.values()) {
            pool.closeAllLater();
        }
        pools.clear();
        LOG.debug("http mode stopped; counters {}", counters.snapshot());
    }

    /** The outcome counters (any thread). */
    public HttpCounters counters() {
        return counters;
    }

    /**
     * Event loop of {@code client}: installs the decoder, the encoder and the request handler at
     * the end of the client's pipeline (after any TLS handler a bind option added), then
     * decodes {@code initial}, the bytes the core already read. When the TLS handler negotiated
     * ALPN {@code h2}, installs the HTTP/2 codec and stream multiplexer instead
     * ({@link H2Connection}); before the handshake completed, it waits for it. Ownership of {@code initial}
     * passes here; it is released (or decoded and its pieces forwarded) before this returns.
     * Never blocks, never throws for a bad request (those are answered on the connection).
     */
    @Override
    public void serve(Channel client, ByteBuf initial, Facts facts, RequestRouter router) {
        if (!client.isActive() || deactivated) {
            initial.release();
            client.close();
            return;
        }
        SslHandler ssl = TlsConnection.ssl(client);
        if (ssl != null && !ssl.handshakeFuture().isDone()) {
            // The core hands over after the TLS gate; should a connection arrive earlier, the
            // protocol is only known once the handshake chose it (no data can precede that).
            ssl.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    serve(client, initial, facts, router);
                } else {
                    initial.release();
                    client.close();
                }
            });
            return;
        }
        if (TlsConnection.H2.equals(TlsConnection.negotiatedProtocol(client, facts))) {
            if (!H2_AVAILABLE) {
                // ALPN chose h2 but netty-codec-http2 is not installed: nothing can speak it.
                LOG.warn("{} {}: the client negotiated h2 but netty-codec-http2 is not installed; closing. "
                        + "Install it, or remove h2 from the bind's alpn list.", router.frontend(), facts.source());
                initial.release();
                client.close();
                return;
            }
            H2Connection.serve(this, client, initial, facts, router, maxConcurrentStreams, maxHeaderListSize);
            return;
        }
        FrontHandler handler = new FrontHandler(this, client, facts, router);
        FrontRequestDecoder decoder = new FrontRequestDecoder(requestConfig, handler);
        FrontResponseEncoder encoder = new FrontResponseEncoder();
        handler.codecs(decoder, encoder);
        ChannelPipeline p = client.pipeline();
        p.addLast(DECODER, decoder);
        p.addLast(ENCODER, encoder);
        p.addLast(HANDLER, handler);
        if (!initial.isReadable()) {
            initial.release();
            return;
        }
        try {
            decoder.inject(initial);
        } catch (Exception e) {
            LOG.debug("{} {}: {}", router.frontend(), facts.source(), e.toString());
            client.close();
        }
    }

    HttpCounters countersInternal() {
        return counters;
    }

    HttpDecoderConfig responseConfig() {
        return responseConfig;
    }

    /** Event loop {@code loop}: the idle-connection pool of that loop; null once deactivated. */
    BackendPool pool(EventLoop loop) {
        if (deactivated) {
            return null;
        }
        BackendPool pool = pools.get(loop);
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, l -> new BackendPool(l, maxIdlePerServer));
        }
        return pool;
    }

    private static boolean h2Available() {
        try {
            Class.forName("io.netty.handler.codec.http2.Http2FrameCodec", false, HttpProxyMode.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static int intProperty(Map<String, Object> properties, String key, int fallback) {
        Object v = properties == null ? null : properties.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int i = v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
            if (i < 0) {
                throw new NumberFormatException("negative");
            }
            return i;
        } catch (NumberFormatException e) {
            LOG.warn("http mode: {}={} is not a non-negative integer; using {}", key, v, fallback);
            return fallback;
        }
    }
}
