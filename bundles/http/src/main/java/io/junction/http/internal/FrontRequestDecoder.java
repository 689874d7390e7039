package io.junction.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Netty's request decoder with three additions for a proxy:
 * <ol>
 *   <li><b>One request at a time.</b> It pauses itself after emitting a request head (until the
 *       server connection is ready for the body) and after emitting the end of a request (until
 *       the response is complete). Pipelined requests stay as undecoded bytes in its cumulation,
 *       so nothing is queued above it; the listener is told ({@link Listener#inputWhilePaused}) and
 *       turns auto-read off, so that cumulation is bounded by one read.</li>
 *   <li><b>Strict heads.</b> Every byte consumed while reading a head goes through a
 *       {@link HeadScanner}; a malformed head becomes a failed request (as Netty's own invalid
 *       messages) and the rest of the connection is discarded.</li>
 *   <li><b>Head start.</b> It tells its {@link Listener} when the first byte of a head arrives,
 *       which ends {@code timeout http-keep-alive} and starts {@code timeout http-request}.</li>
 * </ol>
 * Event loop only.
 */
final class FrontRequestDecoder extends HttpRequestDecoder {

    /** Told about head progress. Event loop. */
    interface Listener {
        /** The first byte of a request head arrived. */
        void headStarted();

        /**
         * Bytes arrived while the decoder is paused (a pipelined request, or a body before its
         * server is ready): they stay in the cumulation, and the listener should stop reading
         * the client so that at most one read is held. The client is read without toggling
         * auto-read per request, which costs two epoll_ctl calls each (docs/benchmarks.md).
         */
        void inputWhilePaused();
    }

    /** A head that {@link HeadScanner} rejected. */
    static final class MalformedHeadException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedHeadException(String message) {
            super(message);
        }
    }

    private static final int RUNNING = 0;
    private static final int PAUSED_AFTER_HEAD = 1;
    private static final int PAUSED_AFTER_END = 2;

    private final Listener listener;
    private final HeadScanner scanner = new HeadScanner();
    private ChannelHandlerContext ctx;
    private int pause = RUNNING;
    private boolean inHead = true;
    private boolean headStarted;
    private boolean discarding;
    /** Inside one of this handler's inbound events: a resume must not re-enter channelRead. */
    private boolean busy;
    private boolean kickPending;

    FrontRequestDecoder(HttpDecoderConfig config, Listener listener) {
        super(config);
        this.listener = listener;
    }

    /** Event loop: remembers the context that {@link #inject} and resumes decode through. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * Event loop: lets the body of the current request through (after its head was routed and
     * the server connection is ready). No effect unless paused after a head.
     */
    void resumeBody() {
        if (pause == PAUSED_AFTER_HEAD) {
            resume();
        }
    }

    /**
     * Event loop: lets the next request through (the current response is complete). No effect
     * unless paused after the end of a request.
     */
    void resumeNext() {
        if (pause == PAUSED_AFTER_END) {
            resume();
        }
    }

    /** Runs the decoder again: now when called from outside its events, else when they end. */
    private void resume() {
        pause = RUNNING;
        if (busy) {
            // The decode loop that called us goes on by itself; make sure nothing stays behind.
            kickPending = true;
        } else {
            kick();
        }
    }

    /**
     * Event loop: injects bytes as if they had been read (the bytes the core read before it
     * handed the connection over). Takes ownership of {@code bytes}.
     */
    void inject(ByteBuf bytes) throws Exception {
        channelRead(ctx, bytes);
        channelReadComplete(ctx);
    }

    /** Decodes what the cumulation holds, as a read of zero new bytes would. */
    private void kick() {
        if (ctx == null || ctx.isRemoved() || !internalBuffer().isReadable()) {
            return;
        }
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
            channelReadComplete(ctx);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    /** Event loop: decodes {@code msg} (released by the decoder); marks the time inside so that a resume from a handler further down does not re-enter. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean outer = !busy;
        busy = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            if (outer) {
                busy = false;
                runPendingKick();
            }
        }
    }

    /** Event loop: Netty's end-of-input decoding, marked as inside the decoder. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        busy = true;
        try {
            super.channelInactive(ctx);
        } finally {
            busy = false;
            kickPending = false;
        }
    }

    /** Event loop: on the client's half-close, a request waiting after its head may still decode its body (it is all in the cumulation); then Netty's end-of-input decoding. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        boolean outer = !busy;
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && pause == PAUSED_AFTER_HEAD) {
            // The client half-closed after sending a head: what it sent after the head is all
            // there will be, and decodeLast is the last chance to decode it.
            pause = RUNNING;
        }
        busy = true;
        try {
            super.userEventTriggered(ctx, evt);
        } finally {
            if (outer) {
                busy = false;
                runPendingKick();
            }
        }
    }

    private void runPendingKick() {
        if (kickPending) {
            kickPending = false;
            if (pause == RUNNING) {
                kick();
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (pause != RUNNING) {
            if (in.isReadable()) {
                listener.inputWhilePaused();
            }
            return;
        }
        boolean head = inHead;
        int from = in.readerIndex();
        if (head && !headStarted && in.isReadable()) {
            headStarted = true;
            scanner.reset();
            listener.headStarted();
        }
        int before = out.size();
        super.decode(ctx, in, out);
        int after = out.size();

        if (head) {
            boolean failedByNetty = false;
            boolean emitted = false;
            for (int i = before; i < after; i++) {
                if (out.get(i) instanceof HttpRequest r) {
                    emitted = true;
                    failedByNetty |= r.decoderResult().isFailure();
                }
            }
            // Netty's verdict (too long, invalid name, bare LF...) is more precise: keep it.
            if (!failedByNetty) {
                boolean ok = scanner.scan(in, from, in.readerIndex());
                if (ok && emitted && !scanner.done()) {
                    ok = false; // Netty saw the end of a head where the grammar does not allow one
                }
                if (!ok) {
                    for (int i = after - 1; i >= before; i--) {
                        ReferenceCountUtil.release(out.remove(i));
                    }
                    String why = scanner.problem() != null ? scanner.problem() : "malformed request head";
                    FullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET,
                            "/bad-request", Unpooled.EMPTY_BUFFER);
                    bad.setDecoderResult(DecoderResult.failure(new MalformedHeadException(why)));
                    out.add(bad);
                    inHead = false;
                    pause = PAUSED_AFTER_HEAD;
                    discardFromNowOn(in);
                    return;
                }
            }
        }
        for (int i = before; i < after; i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest r) {
                inHead = false;
                pause = PAUSED_AFTER_HEAD;
                if (r.decoderResult().isFailure()) {
                    discardFromNowOn(in);
                }
            }
            if (o instanceof LastHttpContent last) {
                inHead = true;
                headStarted = false;
                pause = PAUSED_AFTER_END;
                if (last.decoderResult().isFailure()) {
                    discardFromNowOn(in);
                }
            }
        }
    }

    private void discardFromNowOn(ByteBuf in) {
        discarding = true;
        in.skipBytes(in.readableBytes());
    }
}
