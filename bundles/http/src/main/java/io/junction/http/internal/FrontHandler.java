package io.junction.http.internal;

import io.junction.api.Facts;
import io.junction.api.RequestRoute;
import io.junction.api.RequestRouter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
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
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection in HTTP mode: reads one request at a time, routes it, forwards it to a
 * server connection (new or pooled) and the response back, then waits for the next request.
 * The last handler of the client's pipeline, after {@link FrontRequestDecoder} and
 * {@link FrontResponseEncoder}; also the {@link BackendConnection.Owner} of the server
 * connection the current exchange uses. Everything runs on the client's event loop, which the
 * server connections share; nothing blocks.
 *
 * <p><b>Phases.</b> {@code IDLE}: waiting for a request head ({@code timeout http-request} for
 * the first, {@code timeout http-keep-alive} until the first byte of later ones).
 * {@code LOCAL}: answering without a server (a rule's status, 503, 400...). {@code CONNECTING}:
 * opening a server connection. {@code FORWARD}: request body and response stream. {@code TUNNEL}:
 * after a 101 (or a 200 to CONNECT) both codecs are gone and bytes are relayed.
 * {@code CLOSING}/{@code CLOSED}: input is discarded.
 *
 * <p><b>Flow control.</b> The client is read only while the decoder may produce something the
 * exchange can take: a head when idle, body chunks while the server connection is writable.
 * The server is read (auto-read off, one {@code read()} at a time) only while the client is
 * writable. So at most one read buffer plus the channels' high water marks are in flight per
 * direction; nothing is queued without bound.
 *
 * <p><b>Buffers.</b> Every decoded object read from one side is either written to the other
 * side (the write releases it) or released here.
 */
final class FrontHandler extends ChannelInboundHandlerAdapter
        implements FrontRequestDecoder.Listener, BackendConnection.Owner, Deadline.Expiry {
    private static final Logger LOG = LoggerFactory.getLogger(FrontHandler.class);

    private static final int IDLE = 0;
    private static final int LOCAL = 1;
    private static final int CONNECTING = 2;
    private static final int FORWARD = 3;
    private static final int TUNNEL = 4;
    private static final int CLOSING = 5;
    private static final int CLOSED = 6;

    /**
     * {@code option strict-sni-host}: requests on a TLS-terminated connection must name the
     * host the client sent as SNI, else 421. The core must know the option name to pass it on.
     */
    static final String STRICT_SNI_HOST = "strict-sni-host";

    /** Timer kinds. */
    private static final int T_REQUEST = 1;
    private static final int T_KEEP_ALIVE = 2;
    private static final int T_CLIENT = 3;
    private static final int T_TUNNEL = 4;
    private static final int T_SERVER = 5;
    private static final int T_CLIENT_WRITE = 6;

    private final HttpProxyMode mode;
    private final HttpCounters counters;
    private final Channel client;
    private final Facts facts;
    private final RequestRouter router;
    private final RequestFacts requestFacts;
    private final NettyHeaderEditor editor = new NettyHeaderEditor();
    private final boolean forwardFor;
    private final boolean forwarded;
    private final boolean originalTo;
    private final boolean httpClose;
    private final boolean serverClose;
    /** The SNI of the connection when {@code option strict-sni-host} is on and there is one; else null. */
    private final String strictSni;
    /** Client side: head, keep-alive, body upload and tunnel inactivity. */
    private final Deadline front;
    /** Server side: {@code timeout server} while a response is awaited or read. */
    private final Deadline server;
    /** Client side: {@code timeout client} while the client does not take what is written. */
    private final Deadline clientWrite;
    private FrontRequestDecoder decoder;
    private FrontResponseEncoder encoder;
    private ChannelHandlerContext ctx;

    private int phase = IDLE;
    private boolean firstRequest = true;
    private boolean clientInputShut;
    /** The decoder holds client bytes it may not decode yet; reading the client stopped for it. */
    private boolean heldInput;

    // The current exchange; reset by onRequest.
    private HttpRequest request;
    private boolean http10;
    private boolean headRequest;
    private boolean connectRequest;
    private boolean upgradeRequested;
    private boolean requestHasBody;
    private boolean requestDone;
    private boolean clientKeepAlive;
    private boolean closeAfterResponse;
    private RequestRoute route;
    private BackendConnection backend;
    private boolean backendReused;
    private boolean retried;
    private boolean responseSeen;
    private boolean responseStarted;
    private boolean interim;
    private boolean dropInterim;
    private boolean switching;
    private boolean responseKeepAlive;
    private boolean responseCloseDelimited;
    private boolean responseDone;
    /** Request pieces decoded while the server connection is being opened (bounded: see onRequestContent). */
    private ArrayDeque<HttpContent> pending;

    FrontHandler(HttpProxyMode mode, Channel client, Facts facts, RequestRouter router) {
        this.mode = mode;
        this.counters = mode.countersInternal();
        this.client = client;
        this.facts = facts;
        this.router = router;
        this.requestFacts = new RequestFacts(facts);
        java.util.Set<String> options = router.options();
        this.forwardFor = options.contains("forwardfor");
        this.forwarded = options.contains("forwarded");
        this.originalTo = options.contains("originalto");
        this.httpClose = options.contains("httpclose");
        this.serverClose = options.contains("http-server-close") || httpClose;
        // option strict-sni-host: on a connection whose TLS was terminated here, a request for a
        // host other than the one the client named in its ClientHello is domain fronting (or a
        // mistake): the certificate, and any rule on ssl_fc_sni, were chosen for another name.
        this.strictSni = options.contains(STRICT_SNI_HOST) ? TlsConnection.sni(client, facts) : null;
        this.front = Deadline.lazy(client.eventLoop(), this);
        this.server = Deadline.lazy(client.eventLoop(), this);
        this.clientWrite = Deadline.lazy(client.eventLoop(), this);
    }

    void codecs(FrontRequestDecoder decoder, FrontResponseEncoder encoder) {
        this.decoder = decoder;
        this.encoder = encoder;
    }

    // ------------------------------------------------------------------ client events

    /** Event loop, from {@code serve}: starts {@code timeout http-request} for the first request. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // The first request must be complete within timeout http-request of the hand-over,
        // bytes or not (HAProxy answers 408 to a connection that never sends a request).
        front.arm(T_REQUEST, router.timeout("http-request"));
    }

    /** Event loop, from the decoder: client bytes wait for the current exchange; stop reading more. */
    @Override
    public void inputWhilePaused() {
        heldInput = true;
        client.config().setAutoRead(false);
    }

    /** Event loop, from the decoder: the first byte of a later request ends the keep-alive wait. */
    @Override
    public void headStarted() {
        if (phase == IDLE && !firstRequest) {
            front.arm(T_REQUEST, router.timeout("http-request"));
        }
    }

    /** Event loop: a decoded request object, or raw bytes once tunnelling. Ownership passes here: each is written to the server (the write releases it) or released. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase >= CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest r) {
            onRequest(r);
        } else if (msg instanceof HttpContent c) {
            onRequestContent(c);
        } else if (msg instanceof ByteBuf b && phase == TUNNEL && backend != null) {
            backend.channel().write(b);
            front.touch();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Event loop: flushes what was written to the server and re-decides reading the client. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backend != null && (phase == FORWARD || phase == TUNNEL)) {
            backend.channel().flush();
        }
        updateClientRead();
    }

    /** Event loop: the client took (or stopped taking) what was written: read the server again (or stop), and time a client that stopped reading. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = client.isWritable();
        if (writable) {
            clientWrite.disarm();
        } else if (phase == FORWARD || phase == TUNNEL || phase == LOCAL) {
            clientWrite.arm(T_CLIENT_WRITE, router.timeout("client"));
        }
        if (phase == FORWARD && backend != null && !responseDone) {
            if (writable) {
                server.arm(T_SERVER, router.timeout("server"));
                backend.channel().config().setAutoRead(true);
            } else if (responseStarted) {
                // Not waiting for the server while the client does not read.
                server.disarm();
                backend.channel().config().setAutoRead(false);
            }
        } else if (phase == TUNNEL && backend != null) {
            backend.channel().config().setAutoRead(writable);
        }
    }

    /** Event loop: the client closed its sending side (half-close); other events are dropped here, at the end of the pipeline. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ChannelInputShutdownEvent)) {
            ReferenceCountUtil.release(evt);
            return;
        }
        // The decoder has already decoded (and passed on) whatever the client sent before.
        clientInputShut = true;
        switch (phase) {
            case IDLE, LOCAL -> closeAfterFlush();
            case CONNECTING, FORWARD -> {
                if (!requestDone) {
                    abortByClient("closed its side in the middle of a request");
                } else {
                    closeAfterResponse = true; // deliver the response, then close
                }
            }
            case TUNNEL -> {
                if (backend != null) {
                    Channel b = backend.channel();
                    b.flush();
                    if (b instanceof DuplexChannel d && !backend.inputShutdown()) {
                        d.shutdownOutput();
                    } else {
                        closeBoth();
                    }
                } else {
                    closeBoth();
                }
            }
            default -> {
            }
        }
    }

    /** Event loop: taken out of the pipeline (the channel closing, or a test): no timer may keep this handler. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        front.stop();
        server.stop();
        clientWrite.stop();
    }

    /** Event loop: the client is gone: timers stop, the server connection of an unfinished exchange closes, held request pieces are released. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = CLOSED;
        front.stop();
        server.stop();
        clientWrite.stop();
        releasePending();
        BackendConnection b = backend;
        backend = null;
        if (b != null) {
            b.detach();
            if (b.channel() != null) {
                b.channel().close();
            }
        }
    }

    /** Event loop: any error closes both connections. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{} {}: {}", router.frontend(), facts.source(), cause.toString());
        closeBoth();
    }

    // ------------------------------------------------------------------ requests

    private void onRequest(HttpRequest r) {
        front.disarm();
        // Reading the client goes on: the decoder is paused after this head, and more bytes make
        // it call inputWhilePaused, which stops reading. Toggling auto-read off here and on again
        // after the response cost two epoll_ctl calls per request.
        if (phase != IDLE) {
            // The decoder pauses after each request; a second head here is a bug, never forwarded.
            ReferenceCountUtil.release(r);
            LOG.warn("{} {}: request head while phase {}; closing", router.frontend(), facts.source(), phase);
            closeBoth();
            return;
        }
        DecoderResult result = r.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(r);
            rejectHead(result.cause());
            return;
        }
        counters.requests.increment();
        firstRequest = false;
        resetExchange(r);
        HttpHeaders h = r.headers();
        encoder.answering(headRequest, connectRequest);
        if (r.protocolVersion().majorVersion() != 1) {
            reject(505, counters.versionNotSupported, "HTTP version " + r.protocolVersion());
            return;
        }
        String absoluteProblem = originForm(r);
        if (absoluteProblem != null) {
            reject(400, counters.badRequest, absoluteProblem);
            return;
        }
        String hostProblem = hostProblem(h);
        if (hostProblem != null) {
            reject(400, counters.badRequest, hostProblem);
            return;
        }
        if (strictSni != null) {
            String host = h.get(HttpHeaderNames.HOST);
            if (host != null && !TlsConnection.sameHost(host, strictSni)) {
                // RFC 9110 section 15.5.20: not a host this connection can answer for.
                reject(421, counters.misdirected, "Host '" + host + "' is not the TLS server name '" + strictSni
                        + "' (option strict-sni-host)");
                return;
            }
        }

        editor.target(h);
        requestFacts.reset(r.method().name(), r.uri(), editor);
        RequestRoute rt;
        try {
            rt = router.route(requestFacts, editor);
        } catch (RuntimeException e) {
            counters.internalError.increment();
            LOG.warn("{} {}: routing {} {} failed", router.frontend(), facts.source(), r.method(), r.uri(), e);
            answerLocal(500, true);
            return;
        }
        if (rt == null || rt.status() != 0 || rt.serverId() == null) {
            int status = rt == null || rt.status() == 0 ? 503 : rt.status();
            LongAdder counter = status == 503 ? counters.noServer : counters.denied;
            counter.increment();
            LOG.debug("{} {}: {} {} answered {} without a server [{}={}]", router.frontend(), facts.source(),
                    r.method(), r.uri(), status, status == 503 ? "no_server" : "denied", counter.sum());
            answerLocal(status, false);
            return;
        }
        route = rt;
        prepareForwardHeaders(h);
        counters.forwarded.increment();
        BackendPool pool = mode.pool(client.eventLoop());
        // A connection shaped by client-specific server options (send-proxy, usesrc, sni from the
        // request) belongs to its client: never take one from, nor give one to, the shared pool.
        BackendConnection pooled = pool == null || !rt.shareable() ? null : pool.take(rt.serverId());
        if (pooled != null) {
            counters.serverConnectionsReused.increment();
            attach(pooled, true);
            sendHead();
        } else {
            connect();
        }
    }

    private void resetExchange(HttpRequest r) {
        request = r;
        connectAttempts = 0;
        HttpMethod m = r.method();
        http10 = r.protocolVersion().minorVersion() == 0;
        headRequest = HttpMethod.HEAD.equals(m);
        connectRequest = HttpMethod.CONNECT.equals(m);
        HttpHeaders h = r.headers();
        upgradeRequested = h.contains(HttpHeaderNames.UPGRADE)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        requestHasBody = HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
        requestDone = false;
        clientKeepAlive = HttpUtil.isKeepAlive(r) && !httpClose;
        closeAfterResponse = !clientKeepAlive || clientInputShut;
        route = null;
        backendReused = false;
        retried = false;
        responseSeen = false;
        responseStarted = false;
        interim = false;
        dropInterim = false;
        switching = false;
        responseKeepAlive = false;
        responseCloseDelimited = false;
        responseDone = false;
    }

    /**
     * RFC 9112 section 3.2.2: with an absolute-form target ({@code GET http://a.example/x}) the
     * target's authority is the host and the Host field is ignored. The proxy makes that so
     * before routing: Host becomes the authority and the target becomes origin-form, so that
     * rules, the server and its logs all see one host, never a request routed by one name and
     * served for another.
     *
     * @return why the target is unusable, or null
     */
    private static String originForm(HttpRequest r) {
        String uri = r.uri();
        int schemeEnd;
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            schemeEnd = 7;
        } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            schemeEnd = 8;
        } else {
            return null;
        }
        int end = schemeEnd;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(schemeEnd, end);
        if (authority.isEmpty() || !ForwardingHeaders.isValidHost(authority)) {
            return "invalid authority in the request target '" + uri + "'";
        }
        String path = end == uri.length() ? "/" : uri.charAt(end) == '/' ? uri.substring(end) : "/" + uri.substring(end);
        r.setUri(path);
        r.headers().set(HttpHeaderNames.HOST, authority);
        return null;
    }

    /**
     * RFC 9112 section 3.2: a server MUST respond 400 to a request with more than one Host field
     * or an invalid one (and a proxy is such a server).
     */
    private static String hostProblem(HttpHeaders h) {
        Iterator<String> hosts = h.valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return null; // routed to the default; HAProxy does not reject a missing Host either
        }
        String host = hosts.next();
        if (hosts.hasNext()) {
            return "more than one Host field";
        }
        return ForwardingHeaders.isValidHost(host.trim()) ? null : "invalid Host '" + host + "'";
    }

    /** What the server gets: hop-by-hop fields gone, our connection management, forwarding fields. */
    private void prepareForwardHeaders(HttpHeaders h) {
        ForwardingHeaders.stripHopByHop(h, upgradeRequested, true);
        if (upgradeRequested) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else if (serverClose) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            // HTTP/1.0 closes by default; ask the server to keep the connection for reuse.
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ForwardingHeaders.addForwarding(h, facts, forwardFor, forwarded, originalTo);
    }

    private void onRequestContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            Throwable cause = c.decoderResult().cause();
            c.release();
            if (cause instanceof PrematureChannelClosureException) {
                abortByClient("closed the connection in the middle of a request");
                return;
            }
            counters.badRequest.increment();
            LOG.debug("{} {}: malformed request body: {} [bad_request={}]", router.frontend(), facts.source(),
                    cause.toString(), counters.badRequest.sum());
            if (!responseStarted && phase != LOCAL) {
                closeBackend();
                answerLocal(400, true);
            } else {
                closeBoth();
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        switch (phase) {
            case LOCAL -> {
                c.release();
                if (last) {
                    requestDone = true;
                    nextRequest();
                }
            }
            case CONNECTING -> {
                // Only two ways to get here, both bounded: the end of a request without a body
                // (decoded together with its head), or what a client sent before half-closing.
                if (pending == null) {
                    pending = new ArrayDeque<>(4);
                }
                pending.add(c);
                if (last) {
                    requestDone = true;
                }
            }
            case FORWARD -> {
                backend.channel().write(c);
                front.touch();
                server.touch(); // HAProxy counts server-side inactivity in both directions
                if (last) {
                    requestDone = true;
                    front.disarm();
                    backend.channel().flush();
                }
            }
            default -> c.release();
        }
    }

    /** A head the decoder rejected: 414, 431 or 400, then close. A client that left gets nothing. */
    private void rejectHead(Throwable cause) {
        encoder.answering(false, false);
        if (cause instanceof PrematureChannelClosureException) {
            abortByClient("closed the connection in the middle of a request head");
        } else if (cause instanceof TooLongHttpLineException) {
            reject(414, counters.uriTooLong, cause.getMessage());
        } else if (cause instanceof TooLongHttpHeaderException) {
            reject(431, counters.headersTooLarge, cause.getMessage());
        } else {
            reject(400, counters.badRequest, cause.getMessage());
        }
    }

    private void reject(int status, LongAdder counter, String why) {
        counter.increment();
        LOG.debug("{} {}: {} {} [count={}]", router.frontend(), facts.source(), status, why, counter.sum());
        answerLocal(status, true);
    }

    /**
     * Answers the current request without a server. The connection stays open only when the
     * client allows it and no request body is left unread (reading and discarding it would let a
     * client make the proxy read without limit for a request nobody serves).
     */
    private void answerLocal(int status, boolean forceClose) {
        releasePending();
        server.disarm();
        boolean close = forceClose || closeAfterResponse || requestHasBody && !requestDone || phase >= CLOSING;
        ChannelFuture f = client.writeAndFlush(ErrorResponses.of(status, close, http10 && !close));
        if (close) {
            phase = CLOSING;
            f.addListener(ChannelFutureListener.CLOSE);
            closeBackend();
            return;
        }
        phase = LOCAL;
        if (requestDone) {
            nextRequest();
        }
    }

    /** The exchange is over and the connection stays: wait for the next request. */
    private void nextRequest() {
        request = null;
        route = null;
        phase = IDLE;
        server.disarm();
        if (clientInputShut) {
            closeAfterFlush();
            return;
        }
        front.arm(T_KEEP_ALIVE, router.timeout("http-keep-alive"));
        heldInput = false;
        client.config().setAutoRead(true);
        decoder.resumeNext();
    }

    // ------------------------------------------------------------------ server connection

    /** Connect attempts after the first for the current request (retries). */
    private int connectAttempts;

    private void connect() {
        phase = CONNECTING;
        BackendConnection b = new BackendConnection(route.serverId(), this);
        ChannelFuture f;
        try {
            f = route.connect(client.eventLoop(), b, requestFacts);
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
        b.installCodec(mode.responseConfig());
        attach(b, false);
        sendHead();
    }

    private void connectFailed(Throwable cause) {
        counters.connectFailed.increment();
        LOG.debug("{} {}: connect to {} failed: {} [connect_failed={}]", router.frontend(), facts.source(),
                route.serverId(), cause.toString(), counters.connectFailed.sum());
        // retries / option redispatch: the core's route says where the next attempt goes.
        RequestRoute next = client.isActive() ? route.retry(requestFacts, connectAttempts + 1) : null;
        if (next != null && next.status() == 0) {
            connectAttempts++;
            counters.connectRetries.increment();
            long delay = next == route ? route.retryDelayMillis() : 0;
            route = next;
            if (delay > 0) {
                client.eventLoop().schedule(() -> {
                    if (phase == CONNECTING && backend == null && client.isActive()) {
                        connect();
                    }
                }, delay, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                connect();
            }
            return;
        }
        answerLocal(503, false);
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
        server.arm(T_SERVER, router.timeout("server"));
        // The server is read continuously while the client takes what it gets (reading with
        // auto-read off costs two epoll_ctl calls per response); the pool keeps it on too.
        bc.config().setAutoRead(client.isWritable());
        if (!requestDone) {
            front.arm(T_CLIENT, router.timeout("client"));
            heldInput = false;
            decoder.resumeBody();
        }
        updateClientRead();
    }

    /** Event loop: a decoded response object (or raw bytes once tunnelling) from the exchange's server; ownership passes here: written to the client or released. */
    @Override
    public void backendRead(BackendConnection b, Object msg) {
        if (b != backend) {
            ReferenceCountUtil.release(msg);
            return;
        }
        server.touch();
        if (phase == TUNNEL) {
            client.write(msg);
            front.touch();
            return;
        }
        if (phase != FORWARD) {
            ReferenceCountUtil.release(msg);
            return;
        }
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
        if (code < 200 && code != 101) {
            // 1xx informational (RFC 9110 section 15.2): passed on as they come; the final
            // response follows. An HTTP/1.0 client does not know them and must not get them.
            interim = true;
            dropInterim = http10;
            if (!dropInterim) {
                ForwardingHeaders.stripHopByHop(h, false, false);
                resp.setProtocolVersion(HttpVersion.HTTP_1_1);
                client.write(resp);
            }
            return;
        }
        interim = false;
        if (code == 101) {
            if (!upgradeRequested) {
                badGateway("101 Switching Protocols to a request that asked for no upgrade");
                return;
            }
            switching = true;
        } else if (connectRequest && code == 200) {
            switching = true;
        }
        responseStarted = true;
        boolean bodyless = headRequest || code == 204 || code == 304 || switching;
        responseKeepAlive = HttpUtil.isKeepAlive(resp) && !serverClose;
        responseCloseDelimited = !bodyless && !HttpUtil.isTransferEncodingChunked(resp)
                && !HttpUtil.isContentLengthSet(resp);
        ForwardingHeaders.stripHopByHop(h, switching && code == 101, false);
        if (!requestDone && !switching) {
            // The server answered before the request ended (RFC 9112 section 9.3: it may then
            // close); what is left of the request cannot be told from a next request.
            closeAfterResponse = true;
        }
        if (responseCloseDelimited) {
            if (http10) {
                closeAfterResponse = true;
            } else {
                // Re-frame a close-delimited body as chunked so that the client connection
                // survives the server's close.
                HttpUtil.setTransferEncodingChunked(resp, true);
            }
        } else if (http10 && HttpUtil.isTransferEncodingChunked(resp)) {
            // An HTTP/1.0 client cannot read chunked (RFC 9112 section 6.1): send it raw and close.
            HttpUtil.setTransferEncodingChunked(resp, false);
            closeAfterResponse = true;
        }
        if (switching && code == 101) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else if (closeAfterResponse) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        resp.setProtocolVersion(HttpVersion.HTTP_1_1);
        client.write(resp);
    }

    private void onResponseContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            Throwable cause = c.decoderResult().cause();
            c.release();
            serverBroke("invalid response body framing: " + cause);
            return;
        }
        if (interim) {
            // The end of a 1xx (always empty).
            if (c instanceof LastHttpContent) {
                interim = false;
                if (!dropInterim) {
                    client.write(c);
                    return;
                }
            }
            c.release();
            return;
        }
        if (!(c instanceof LastHttpContent)) {
            client.write(c);
            return;
        }
        responseDone = true;
        server.disarm();
        ChannelFuture written = client.writeAndFlush(c);
        if (switching) {
            enterTunnel();
            return;
        }
        BackendConnection b = backend;
        backend = null;
        b.detach();
        boolean reusable = responseKeepAlive && !responseCloseDelimited && requestDone && b.channel().isActive()
                && !b.inputShutdown();
        BackendPool pool = reusable && route.shareable() ? mode.pool(client.eventLoop()) : null;
        if (pool == null || !pool.offer(b, router.timeout("http-keep-alive"))) {
            b.channel().close();
        }
        clientWrite.disarm();
        if (closeAfterResponse || !requestDone) {
            phase = CLOSING;
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        nextRequest();
    }

    /** Event loop: flushes the client and reads the server once more only while the client is writable. */
    @Override
    public void backendReadComplete(BackendConnection b) {
        if (b != backend) {
            return;
        }
        client.flush();
        if (phase == FORWARD && !responseDone && !client.isWritable()) {
            // Backpressure: the client's outbound buffer is full; writability brings reading back.
            b.channel().config().setAutoRead(false);
        }
    }

    /** Event loop: the server took (or stopped taking) the request body: read the client again (or stop). */
    @Override
    public void backendWritabilityChanged(BackendConnection b) {
        if (b == backend) {
            updateClientRead();
        }
    }

    /** Event loop: the server closed (or half-closed) the exchange's connection. */
    @Override
    public void backendClosed(BackendConnection b) {
        if (b != backend) {
            return;
        }
        if (phase == TUNNEL) {
            backend = null;
            b.detach();
            client.flush();
            closeAfterFlush();
            b.channel().close();
            return;
        }
        if (phase != FORWARD || responseDone) {
            return;
        }
        backend = null;
        b.detach();
        b.channel().close();
        if (!responseStarted) {
            if (backendReused && !requestHasBody && !retried && !responseSeen) {
                // An idle connection the server closed just as it was reused: the request
                // never reached the server, so sending it again is safe (RFC 9112 section 9.3.1).
                retried = true;
                counters.retried.increment();
                LOG.debug("{} {}: reused connection to {} closed before answering; retrying on a new one [retried={}]",
                        router.frontend(), facts.source(), b.serverId, counters.retried.sum());
                connect();
                return;
            }
            badGateway("server closed the connection before a complete response head");
        } else {
            serverBroke("server closed the connection in the middle of a response");
        }
    }

    /** Nothing usable came back: 502 if nothing was sent to the client yet, else close. */
    private void badGateway(String why) {
        counters.badGateway.increment();
        LOG.debug("{} {}: 502 from {}: {} [bad_gateway={}]", router.frontend(), facts.source(),
                route != null ? route.serverId() : "?", why, counters.badGateway.sum());
        closeBackend();
        if (responseStarted) {
            closeBoth();
        } else {
            answerLocal(502, !requestDone);
        }
    }

    /** The server broke off in the middle of a response: the client must see the connection end. */
    private void serverBroke(String why) {
        counters.serverAborted.increment();
        LOG.debug("{} {}: {} ({}) [server_aborted={}]", router.frontend(), facts.source(), why,
                route != null ? route.serverId() : "?", counters.serverAborted.sum());
        closeBoth();
    }

    // ------------------------------------------------------------------ tunnel

    /**
     * After a 101 (or a 200 to CONNECT) has been written: both HTTP codecs leave and bytes are
     * relayed as they are. Removing the decoders passes on the bytes they held (the client's
     * or server's first bytes of the new protocol) before any later read.
     */
    private void enterTunnel() {
        counters.upgraded.increment();
        LOG.debug("{} {}: switched protocols with {} [upgraded={}]", router.frontend(), facts.source(),
                route.serverId(), counters.upgraded.sum());
        phase = TUNNEL;
        server.disarm();
        front.arm(T_TUNNEL, router.timeout("tunnel"));
        ChannelPipeline cp = client.pipeline();
        cp.remove(encoder);
        BackendConnection b = backend;
        b.removeCodec();
        cp.remove(decoder);
        if (backend == null) {
            return; // the server side closed while its last bytes were passed on
        }
        client.flush();
        b.channel().flush();
        b.channel().config().setAutoRead(client.isWritable());
        updateClientRead();
    }

    // ------------------------------------------------------------------ timers

    /** Event loop: a timeout of this connection passed. */
    @Override
    public void expired(Deadline d, int kind) {
        if (phase >= CLOSING) {
            return;
        }
        switch (kind) {
            case T_REQUEST -> {
                counters.requestTimeout.increment();
                LOG.debug("{} {}: no complete request head within timeout http-request [request_timeout={}]",
                        router.frontend(), facts.source(), counters.requestTimeout.sum());
                encoder.answering(false, false);
                answerLocal(408, true);
            }
            case T_KEEP_ALIVE -> {
                counters.keepAliveTimeout.increment();
                LOG.debug("{} {}: idle beyond timeout http-keep-alive, closing [keep_alive_timeout={}]",
                        router.frontend(), facts.source(), counters.keepAliveTimeout.sum());
                closeBoth();
            }
            case T_CLIENT -> {
                if (!responseStarted && phase == FORWARD) {
                    counters.requestTimeout.increment();
                    LOG.debug("{} {}: request body stalled beyond timeout client [request_timeout={}]",
                            router.frontend(), facts.source(), counters.requestTimeout.sum());
                    closeBackend();
                    answerLocal(408, true);
                } else {
                    abortByClient("stalled beyond timeout client");
                }
            }
            case T_CLIENT_WRITE -> abortByClient("did not read for longer than timeout client");
            case T_TUNNEL -> {
                LOG.debug("{} {}: tunnel idle beyond timeout tunnel, closing", router.frontend(), facts.source());
                closeBoth();
            }
            case T_SERVER -> {
                if (phase != FORWARD) {
                    return;
                }
                closeBackend();
                if (!responseStarted) {
                    counters.gatewayTimeout.increment();
                    LOG.debug("{} {}: no response from {} within timeout server [gateway_timeout={}]",
                            router.frontend(), facts.source(), route.serverId(), counters.gatewayTimeout.sum());
                    answerLocal(504, true);
                } else {
                    counters.serverTimeoutMidResponse.increment();
                    LOG.debug("{} {}: {} stalled mid-response beyond timeout server [server_timeout_mid_response={}]",
                            router.frontend(), facts.source(), route.serverId(), counters.serverTimeoutMidResponse.sum());
                    closeBoth();
                }
            }
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Reads the client exactly when the exchange can take what the decoder would produce. While
     * a request body is not read because the server does not take it, {@code timeout client} is
     * suspended: the wait is the server's (its own timeout covers it), not the client's.
     */
    private void updateClientRead() {
        boolean read = switch (phase) {
            case IDLE -> true;
            // Bytes after the request (pipelining) are held by the decoder, which reports them.
            case CONNECTING -> !heldInput;
            case FORWARD -> requestDone ? !heldInput : backend != null && backend.channel().isWritable();
            case TUNNEL -> backend != null && backend.channel().isWritable() && !clientInputShut;
            default -> false;
        };
        if (phase == FORWARD && !requestDone) {
            if (!read) {
                if (front.kind() == T_CLIENT) {
                    front.disarm();
                }
            } else if (front.kind() != T_CLIENT) {
                front.arm(T_CLIENT, router.timeout("client"));
            }
        }
        client.config().setAutoRead(read);
    }

    private void abortByClient(String why) {
        counters.clientAborted.increment();
        LOG.debug("{} {}: client {} [client_aborted={}]", router.frontend(), facts.source(), why,
                counters.clientAborted.sum());
        closeBoth();
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

    private void closeBoth() {
        phase = phase == CLOSED ? CLOSED : CLOSING;
        front.stop();
        server.stop();
        clientWrite.stop();
        releasePending();
        closeBackend();
        client.close();
    }

    private void closeAfterFlush() {
        if (phase < CLOSING) {
            phase = CLOSING;
        }
        front.disarm();
        closeBackend();
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
