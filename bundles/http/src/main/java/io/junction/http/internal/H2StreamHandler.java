package io.junction.http.internal;

import io.junction.api.RequestRoute;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream, that is one request (RFC 9113 section 8.1), behind an
 * {@code Http2StreamFrameToHttpObjectCodec}: routed through the frontend's
 * {@code RequestRouter} exactly as {@link FrontHandler} routes an HTTP/1.1 request (same facts,
 * same header editor, same forwarding fields, same per-loop {@link BackendPool}) and forwarded
 * to the server over HTTP/1.1; the response comes back as HEADERS and DATA frames.
 *
 * <p><b>Misdirected requests.</b> A client may reuse a connection for another host whose name
 * the connection's certificate also covers (connection coalescing, RFC 9113 section 9.1.1).
 * The certificate, and any rule on {@code ssl_fc_sni}, were chosen for the name the client sent
 * in its ClientHello; a request whose {@code :authority} names another host is answered 421
 * Misdirected Request (RFC 9110 section 15.5.20) without routing, and the client retries it on
 * a connection of its own with the right SNI.
 *
 * <p><b>Flow control.</b> The stream is read (its window returned to the client) only while
 * the server connection takes the body; the server is read only while the stream is writable.
 *
 * <p><b>Buffers.</b> Every object read from one side is written to the other (the write
 * releases it) or released here. Event loop of the client connection only.
 */
final class H2StreamHandler extends ChannelInboundHandlerAdapter implements BackendConnection.Owner, Deadline.Expiry {
    private static final Logger LOG = LoggerFactory.getLogger(H2StreamHandler.class);

    private static final int HEAD = 0;
    private static final int CONNECTING = 1;
    private static final int FORWARD = 2;
    private static final int DONE = 3;

    private static final int T_SERVER = 1;
    private static final int T_CLIENT = 2;
    private static final int T_CLIENT_WRITE = 3;

    private final H2Connection conn;
    private final HttpCounters counters;
    private final Channel stream;
    private final RequestFacts requestFacts;
    private final NettyHeaderEditor editor = new NettyHeaderEditor();
    /** {@code timeout server} while a response is awaited or read. */
    private final Deadline server;
    /** {@code timeout client} while the request body is uploaded. */
    private final Deadline upload;
    /** {@code timeout client} while the client does not take the response. */
    private final Deadline clientWrite;

    private int phase = HEAD;
    private boolean opened;
    private HttpRequest request;
    private boolean headRequest;
    private boolean requestHasBody;
    private boolean requestDone;
    private RequestRoute route;
    private BackendConnection backend;
    private boolean backendReused;
    private boolean retried;
    private boolean responseSeen;
    private boolean responseStarted;
    private boolean interim;
    private boolean responseKeepAlive;
    private boolean responseCloseDelimited;
    private boolean responseDone;
    /** Request pieces read while the server connection opens; bounded by the stream's flow-control window. */
    private ArrayDeque<HttpContent> pending;

    H2StreamHandler(H2Connection conn, Channel stream) {
        this.conn = conn;
        this.counters = conn.counters;
        this.stream = stream;
        this.requestFacts = new RequestFacts(conn.facts);
        this.server = new Deadline(stream.eventLoop(), this);
        this.upload = new Deadline(stream.eventLoop(), this);
        this.clientWrite = new Deadline(stream.eventLoop(), this);
    }

    // ------------------------------------------------------------------ stream events

    /** Event loop: the stream opened (the client sent HEADERS). */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opened = true;
        conn.streamOpened();
        ctx.fireChannelActive();
    }

    /**
     * Event loop: a request head, a body piece or trailers. Ownership passes here: each is
     * written to the server (the write releases it) or released.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == DONE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpRequest full) {
            // HEADERS with END_STREAM: a request without a body. The head goes on as a plain
            // head (sharing the headers), the end as the request's last piece.
            HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, full.method(), full.uri(), full.headers());
            LastHttpContent last = full.content().isReadable()
                    ? new DefaultLastHttpContent(full.content().retain())
                    : LastHttpContent.EMPTY_LAST_CONTENT;
            full.release();
            // The request is complete already: its end waits with the head, as pieces read
            // while connecting do, and goes out right after it (or is released).
            requestDone = true;
            pending = new ArrayDeque<>(2);
            pending.add(last);
            onRequest(head, false);
        } else if (msg instanceof HttpRequest r) {
            onRequest(r, true);
        } else if (msg instanceof HttpContent c) {
            onRequestContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Event loop: flushes what was written to the server. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backend != null && phase == FORWARD) {
            backend.channel().flush();
        }
    }

    /** Event loop: the stream's window (or the connection) opened or closed: read the server again, or stop and time the client. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = stream.isWritable();
        if (writable) {
            clientWrite.disarm();
        } else if (phase == FORWARD && responseStarted) {
            clientWrite.arm(T_CLIENT_WRITE, conn.router.timeout("client"));
        }
        if (phase == FORWARD && backend != null && !responseDone) {
            if (writable) {
                server.arm(T_SERVER, conn.router.timeout("server"));
                backend.channel().read();
            } else if (responseStarted) {
                server.disarm();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Event loop: the stream closed (both ends done, a reset, or the connection went). */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (phase != DONE && phase != HEAD) {
            counters.clientAborted.increment();
            LOG.debug("{} {}: client reset the HTTP/2 stream in the middle of an exchange [client_aborted={}]",
                    conn.router.frontend(), conn.facts.source(), counters.clientAborted.sum());
        }
        phase = DONE;
        server.disarm();
        upload.disarm();
        clientWrite.disarm();
        releasePending();
        closeBackend();
        if (opened) {
            opened = false;
            conn.streamClosed();
        }
        ctx.fireChannelInactive();
    }

    /** Event loop: a request the codec could not convert (a malformed header block) resets the stream. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        boolean head = phase == HEAD;
        if (head) {
            counters.badRequest.increment();
        }
        LOG.debug("{} {}: HTTP/2 stream: {}", conn.router.frontend(), conn.facts.source(), cause.toString());
        phase = DONE;
        releasePending();
        closeBackend();
        reset(head ? Http2Error.PROTOCOL_ERROR : Http2Error.INTERNAL_ERROR);
    }

    // ------------------------------------------------------------------ request

    private void onRequest(HttpRequest r, boolean mayHaveBody) {
        if (phase != HEAD) {
            ReferenceCountUtil.release(r);
            reset(Http2Error.PROTOCOL_ERROR);
            return;
        }
        counters.requests.increment();
        stream.config().setAutoRead(false);
        request = r;
        HttpHeaders h = r.headers();
        // The codec's bookkeeping fields (x-http2-stream-id, x-http2-scheme...) are not the
        // client's: neither rules nor the server see them.
        for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
            h.remove(n.text());
        }
        headRequest = HttpMethod.HEAD.equals(r.method());
        requestHasBody = mayHaveBody && (HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0);
        if (HttpMethod.CONNECT.equals(r.method())) {
            // CONNECT (and RFC 8441's extended CONNECT) would need a tunnel per stream.
            reject(501, counters.badRequest, "CONNECT over HTTP/2 is not supported");
            return;
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (hosts.size() > 1 || host != null && !ForwardingHeaders.isValidHost(host.trim())) {
            reject(400, counters.badRequest, "invalid :authority " + hosts);
            return;
        }
        if (conn.sni != null && host != null && !TlsConnection.sameHost(host, conn.sni)) {
            reject(421, counters.misdirected, ":authority '" + host + "' on a connection for '" + conn.sni + "'");
            return;
        }

        editor.target(h);
        requestFacts.reset(r.method().name(), r.uri(), editor);
        RequestRoute rt;
        try {
            rt = conn.router.route(requestFacts, editor);
        } catch (RuntimeException e) {
            counters.internalError.increment();
            LOG.warn("{} {}: routing {} {} failed", conn.router.frontend(), conn.facts.source(), r.method(), r.uri(), e);
            answerLocal(500);
            return;
        }
        if (rt == null || rt.status() != 0 || rt.serverId() == null) {
            int status = rt == null || rt.status() == 0 ? 503 : rt.status();
            LongAdder counter = status == 503 ? counters.noServer : counters.denied;
            counter.increment();
            LOG.debug("{} {}: h2 {} {} answered {} without a server [{}={}]", conn.router.frontend(), conn.facts.source(),
                    r.method(), r.uri(), status, status == 503 ? "no_server" : "denied", counter.sum());
            answerLocal(status);
            return;
        }
        route = rt;
        ForwardingHeaders.stripHopByHop(h, false, true);
        if (conn.serverClose) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ForwardingHeaders.addForwarding(h, conn.facts, conn.forwardFor, conn.forwarded, conn.originalTo);
        counters.forwarded.increment();
        BackendPool pool = conn.mode.pool(conn.client.eventLoop());
        BackendConnection pooled = pool == null || !rt.shareable() ? null : pool.take(rt.serverId());
        if (pooled != null) {
            counters.serverConnectionsReused.increment();
            attach(pooled, true);
            sendHead();
        } else {
            connect();
        }
    }

    private void onRequestContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (last) {
            requestDone = true;
        }
        switch (phase) {
            case CONNECTING -> {
                if (pending == null) {
                    pending = new ArrayDeque<>(4);
                }
                pending.add(c);
            }
            case FORWARD -> {
                backend.channel().write(c);
                upload.touch();
                server.touch();
                if (last) {
                    upload.disarm();
                    backend.channel().flush();
                }
            }
            default -> c.release();
        }
        if (last && phase == FORWARD) {
            updateStreamRead();
        }
    }

    private void reject(int status, LongAdder counter, String why) {
        counter.increment();
        LOG.debug("{} {}: h2 {} {} [count={}]", conn.router.frontend(), conn.facts.source(), status, why, counter.sum());
        answerLocal(status);
    }

    /**
     * Answers the stream without a server. When the client is still sending a body, the stream
     * is then reset with NO_ERROR: the request is not needed (RFC 9113 section 8.1), and reading
     * it to the end would let a client upload without limit for a request nobody serves.
     */
    private void answerLocal(int status) {
        releasePending();
        server.disarm();
        upload.disarm();
        closeBackend();
        FullHttpResponse r = ErrorResponses.of(status, false, false);
        if (headRequest) {
            FullHttpResponse bodyless = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                    Unpooled.EMPTY_BUFFER, r.headers(), r.trailingHeaders());
            r.release();
            r = bodyless;
        }
        boolean bodyLeft = !requestDone;
        phase = DONE;
        ChannelFuture f = stream.writeAndFlush(r);
        if (bodyLeft) {
            f.addListener((ChannelFutureListener) done -> reset(Http2Error.NO_ERROR));
        }
        // Whatever the client still sends is released (DONE) until the reset or its end.
        stream.config().setAutoRead(true);
    }

    // ------------------------------------------------------------------ server connection

    private void connect() {
        phase = CONNECTING;
        BackendConnection b = new BackendConnection(route.serverId(), this);
        ChannelFuture f;
        try {
            f = route.connect(conn.client.eventLoop(), b, requestFacts);
        } catch (RuntimeException e) {
            connectFailed(e);
            return;
        }
        counters.serverConnectionsOpened.increment();
        b.channel(f.channel());
        backend = b;
        f.addListener((ChannelFutureListener) done -> connected(b, done));
    }

    private void connected(BackendConnection b, ChannelFuture f) {
        if (backend != b || phase != CONNECTING) {
            b.detach();
            f.channel().close();
            return;
        }
        if (!f.isSuccess()) {
            backend = null;
            connectFailed(f.cause());
            return;
        }
        b.installCodec(conn.mode.responseConfig());
        attach(b, false);
        sendHead();
    }

    private void connectFailed(Throwable cause) {
        counters.connectFailed.increment();
        LOG.debug("{} {}: connect to {} failed: {} [connect_failed={}]", conn.router.frontend(), conn.facts.source(),
                route.serverId(), cause.toString(), counters.connectFailed.sum());
        answerLocal(503);
    }

    private void attach(BackendConnection b, boolean reused) {
        backend = b;
        b.owner(this);
        backendReused = reused;
        phase = FORWARD;
    }

    /** Writes the head (and what of the request arrived meanwhile), then awaits the response. */
    private void sendHead() {
        Channel bc = backend.channel();
        backend.writeRequest(request, pending, requestDone);
        server.arm(T_SERVER, conn.router.timeout("server"));
        // A pooled connection may come from an HTTP/1.1 exchange, which reads continuously;
        // streams read on demand (their flow control follows the h2 stream's writability).
        bc.config().setAutoRead(false);
        bc.read();
        if (!requestDone) {
            upload.arm(T_CLIENT, conn.router.timeout("client"));
        }
        updateStreamRead();
    }

    /** Event loop: a decoded response object from the exchange's server; written to the stream or released. */
    @Override
    public void backendRead(BackendConnection b, Object msg) {
        if (b != backend || phase != FORWARD) {
            ReferenceCountUtil.release(msg);
            return;
        }
        server.touch();
        if (msg instanceof HttpResponse resp) {
            onResponseHead(resp);
        } else if (msg instanceof HttpContent c) {
            onResponseContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onResponseHead(HttpResponse resp) {
        responseSeen = true;
        if (resp.decoderResult().isFailure()) {
            Throwable cause = resp.decoderResult().cause();
            ReferenceCountUtil.release(resp);
            badGateway("invalid response head: " + cause);
            return;
        }
        int code = resp.status().code();
        HttpHeaders h = resp.headers();
        if (code == 101) {
            ReferenceCountUtil.release(resp);
            badGateway("101 Switching Protocols on an HTTP/2 stream");
            return;
        }
        ForwardingHeaders.stripHopByHop(h, false, false);
        if (code < 200) {
            // 1xx (RFC 9110 section 15.2, 103 Early Hints...): a HEADERS frame without
            // END_STREAM; the codec takes it only as a full message. Its empty end is dropped.
            interim = true;
            stream.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, resp.status(), Unpooled.EMPTY_BUFFER, h,
                    io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
            return;
        }
        interim = false;
        responseStarted = true;
        boolean bodyless = headRequest || code == 204 || code == 304;
        responseKeepAlive = HttpUtil.isKeepAlive(resp) && !conn.serverClose;
        responseCloseDelimited = !bodyless && !HttpUtil.isTransferEncodingChunked(resp)
                && !HttpUtil.isContentLengthSet(resp);
        // Transfer-Encoding and the other connection-specific fields have no place in HTTP/2
        // (RFC 9113 section 8.2.2); the codec leaves them out, END_STREAM frames the body.
        stream.write(resp);
    }

    private void onResponseContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            Throwable cause = c.decoderResult().cause();
            c.release();
            serverBroke("invalid response body framing: " + cause);
            return;
        }
        if (interim) {
            if (c instanceof LastHttpContent) {
                interim = false;
            }
            c.release();
            return;
        }
        if (!(c instanceof LastHttpContent)) {
            stream.write(c);
            return;
        }
        responseDone = true;
        server.disarm();
        clientWrite.disarm();
        upload.disarm();
        ChannelFuture written = stream.writeAndFlush(c);
        BackendConnection b = backend;
        backend = null;
        b.detach();
        boolean reusable = responseKeepAlive && !responseCloseDelimited && requestDone && b.channel().isActive()
                && !b.inputShutdown();
        BackendPool pool = reusable && route.shareable() ? conn.mode.pool(conn.client.eventLoop()) : null;
        if (pool == null || !pool.offer(b, conn.router.timeout("http-keep-alive"))) {
            b.channel().close();
        }
        phase = DONE;
        if (!requestDone) {
            // The server answered before the request ended: the client may stop sending.
            written.addListener((ChannelFutureListener) done -> reset(Http2Error.NO_ERROR));
            stream.config().setAutoRead(true);
        }
    }

    /** Event loop: flushes the stream and reads the server once more only while the stream is writable. */
    @Override
    public void backendReadComplete(BackendConnection b) {
        if (b != backend) {
            return;
        }
        stream.flush();
        if (phase == FORWARD && !responseDone && stream.isWritable()) {
            b.channel().read();
        }
    }

    /** Event loop: the server took (or stopped taking) the request body: read the stream again (or stop). */
    @Override
    public void backendWritabilityChanged(BackendConnection b) {
        if (b == backend) {
            updateStreamRead();
        }
    }

    /** Event loop: the server closed (or half-closed) the exchange's connection. */
    @Override
    public void backendClosed(BackendConnection b) {
        if (b != backend || phase != FORWARD || responseDone) {
            return;
        }
        backend = null;
        b.detach();
        b.channel().close();
        if (!responseStarted) {
            if (backendReused && !requestHasBody && !retried && !responseSeen) {
                // An idle connection the server closed as it was reused: the request never
                // reached the server, so sending it again is safe (RFC 9112 section 9.3.1).
                retried = true;
                counters.retried.increment();
                LOG.debug("{} {}: reused connection to {} closed before answering; retrying on a new one [retried={}]",
                        conn.router.frontend(), conn.facts.source(), b.serverId, counters.retried.sum());
                connect();
                return;
            }
            badGateway("server closed the connection before a complete response head");
        } else {
            serverBroke("server closed the connection in the middle of a response");
        }
    }

    private void badGateway(String why) {
        counters.badGateway.increment();
        LOG.debug("{} {}: 502 from {}: {} [bad_gateway={}]", conn.router.frontend(), conn.facts.source(),
                route != null ? route.serverId() : "?", why, counters.badGateway.sum());
        if (responseStarted) {
            closeBackend();
            phase = DONE;
            reset(Http2Error.INTERNAL_ERROR);
        } else {
            answerLocal(502);
        }
    }

    /** The server broke off mid-response: the client must see the response as incomplete (RST_STREAM). */
    private void serverBroke(String why) {
        counters.serverAborted.increment();
        LOG.debug("{} {}: {} ({}) [server_aborted={}]", conn.router.frontend(), conn.facts.source(), why,
                route != null ? route.serverId() : "?", counters.serverAborted.sum());
        closeBackend();
        phase = DONE;
        reset(Http2Error.INTERNAL_ERROR);
    }

    // ------------------------------------------------------------------ timers

    /** Event loop: a timeout of this stream passed. */
    @Override
    public void expired(Deadline d, int kind) {
        if (phase != FORWARD) {
            return;
        }
        switch (kind) {
            case T_SERVER -> {
                if (!responseStarted) {
                    counters.gatewayTimeout.increment();
                    LOG.debug("{} {}: no response from {} within timeout server [gateway_timeout={}]",
                            conn.router.frontend(), conn.facts.source(), route.serverId(), counters.gatewayTimeout.sum());
                    answerLocal(504);
                } else {
                    counters.serverTimeoutMidResponse.increment();
                    LOG.debug("{} {}: {} stalled mid-response beyond timeout server [server_timeout_mid_response={}]",
                            conn.router.frontend(), conn.facts.source(), route.serverId(),
                            counters.serverTimeoutMidResponse.sum());
                    closeBackend();
                    phase = DONE;
                    reset(Http2Error.INTERNAL_ERROR);
                }
            }
            case T_CLIENT -> {
                if (!responseStarted) {
                    counters.requestTimeout.increment();
                    LOG.debug("{} {}: HTTP/2 request body stalled beyond timeout client [request_timeout={}]",
                            conn.router.frontend(), conn.facts.source(), counters.requestTimeout.sum());
                    answerLocal(408);
                } else {
                    abortByClient("stalled its request body beyond timeout client");
                }
            }
            case T_CLIENT_WRITE -> abortByClient("did not take the response for longer than timeout client");
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Reads the stream exactly while the server connection takes the request body; while the
     * server does not, {@code timeout client} is suspended (the wait is the server's).
     */
    private void updateStreamRead() {
        boolean read = phase == FORWARD && !requestDone && backend != null && backend.channel().isWritable();
        if (phase == FORWARD && !requestDone) {
            if (!read) {
                upload.disarm();
            } else if (upload.kind() != T_CLIENT) {
                upload.arm(T_CLIENT, conn.router.timeout("client"));
            }
        }
        stream.config().setAutoRead(read);
    }

    private void abortByClient(String why) {
        counters.clientAborted.increment();
        LOG.debug("{} {}: client {} [client_aborted={}]", conn.router.frontend(), conn.facts.source(), why,
                counters.clientAborted.sum());
        closeBackend();
        phase = DONE;
        reset(Http2Error.CANCEL);
    }

    /** Ends the stream with RST_STREAM (RFC 9113 section 6.4) unless it is already closed. */
    private void reset(Http2Error error) {
        if (stream.isActive()) {
            stream.writeAndFlush(new DefaultHttp2ResetFrame(error));
        }
    }

    private void closeBackend() {
        BackendConnection b = backend;
        backend = null;
        if (b != null) {
            b.detach();
            if (b.channel() != null) {
                b.channel().close();
            }
        }
    }

    private void releasePending() {
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                c.release();
            }
        }
    }
}
