package io.junction.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a server: the last handler of its pipeline. While a client exchange uses it,
 * it passes every event to that exchange's {@link Owner}; while it sits idle in a
 * {@link BackendPool}, it keeps a read pending so that the server closing it (or sending
 * anything unasked) is noticed at once and the connection leaves the pool, instead of being
 * found dead when the next request is written to it.
 *
 * <p>It is handed to {@code RequestRoute.connect} as the pipeline's first handler; the HTTP
 * codec goes in front of it only once the connection and every server option are ready, so
 * that bytes an option writes first (a PROXY header) pass no HTTP encoder. Event loop only.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(BackendConnection.class);
    static final String CODEC = "junction-http-client-codec";

    /** The exchange using this connection. Event loop. */
    interface Owner {
        /** A decoded response object (or raw bytes once tunnelling); ownership passes. */
        void backendRead(BackendConnection b, Object msg);

        void backendReadComplete(BackendConnection b);

        void backendWritabilityChanged(BackendConnection b);

        /** The server closed the connection or its sending side. */
        void backendClosed(BackendConnection b);
    }

    final String serverId;
    private Channel channel;
    private ChannelHandlerContext ctx;
    private Owner owner;
    private BackendPool pool;
    private ScheduledFuture<?> idleTimer;
    /** When the current stay in the pool ends, and when the scheduled check runs (the loop ticker's scale). */
    private long idleUntil;
    private long idleCheckAt;
    private boolean inputShutdown;

    BackendConnection(String serverId, Owner owner) {
        this.serverId = serverId;
        this.owner = owner;
    }

    Channel channel() {
        return channel;
    }

    /** The channel, known as soon as {@code connect} returned (before this handler is added). */
    void channel(Channel channel) {
        this.channel = channel;
    }

    /** Whether the server has closed its sending side: nothing more can be read. */
    boolean inputShutdown() {
        return inputShutdown;
    }

    void owner(Owner owner) {
        this.owner = owner;
    }

    /** Event loop: the exchange is done with this connection; events go nowhere until reused. */
    void detach() {
        owner = null;
    }

    /**
     * Event loop: writes and flushes a request head and what of its body arrived meanwhile
     * ({@code pending}, drained; each piece is released by its write). When the request is
     * complete but {@code pending} held no end (a retry: the original end went to the
     * connection that failed), an empty end is written.
     */
    void writeRequest(HttpRequest head, Queue<HttpContent> pending, boolean requestDone) {
        channel.write(head);
        boolean wroteLast = false;
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                wroteLast |= c instanceof LastHttpContent;
                channel.write(c);
            }
        }
        if (requestDone && !wroteLast) {
            channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        channel.flush();
    }

    /** Event loop, once connected: puts the HTTP client codec in front of this handler. */
    void installCodec(HttpDecoderConfig config) {
        ctx.pipeline().addBefore(ctx.name(), CODEC, new HttpClientCodec(config, false, false));
    }

    /**
     * Event loop: removes the codec for a tunnel. Bytes the codec had read but not decoded yet
     * (the server's first bytes after a 101) reach {@link Owner#backendRead} as a ByteBuf.
     */
    void removeCodec() {
        if (ctx.pipeline().get(CODEC) != null) {
            ctx.pipeline().remove(CODEC);
        }
    }

    /**
     * Event loop: parks the connection in {@code pool}; closed after {@code idleMillis}. A check
     * still scheduled from an earlier stay that runs no later than the new limit is kept (it
     * re-schedules itself for the rest): a connection leaving and re-entering the pool for every
     * request does not insert and remove a timer each time.
     */
    void enterPool(BackendPool pool, long idleMillis) {
        this.owner = null;
        this.pool = pool;
        long now = channel.eventLoop().ticker().nanoTime();
        idleUntil = now + TimeUnit.MILLISECONDS.toNanos(idleMillis);
        if (idleTimer == null || idleCheckAt - idleUntil > 0) {
            cancelIdleTimer();
            scheduleIdleCheck(now);
        }
        // Notice the server closing an idle connection (or talking out of turn) at once.
        channel.read();
    }

    private void scheduleIdleCheck(long now) {
        idleCheckAt = idleUntil;
        idleTimer = channel.eventLoop().schedule(this::idleCheck, idleUntil - now, TimeUnit.NANOSECONDS);
    }

    /** Event loop (scheduled): closes the connection if it is still parked past its limit. */
    private void idleCheck() {
        idleTimer = null;
        BackendPool p = pool;
        if (p == null) {
            return; // in use (or closed): the next stay in a pool schedules again
        }
        long now = channel.eventLoop().ticker().nanoTime();
        if (idleUntil - now > 0) {
            scheduleIdleCheck(now);
            return;
        }
        p.remove(this);
        channel.close();
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /** Event loop: taken from the pool for an exchange. The idle check stays scheduled (see {@link #enterPool}). */
    void leavePool() {
        pool = null;
    }

    /** Event loop, at registration: remembers the context and channel. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    /** Event loop: passes {@code msg} (ownership included) to the owner; idle, releases it and closes. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Owner o = owner;
        if (o != null) {
            o.backendRead(this, msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        // Idle (or abandoned) and the server sent something nobody asked for: the framing of
        // anything after it cannot be trusted.
        LOG.debug("server connection to {} sent data while idle; closing it", serverId);
        ctx.close();
    }

    /** Event loop: tells the owner, which flushes the client and decides on the next read. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Owner o = owner;
        if (o != null) {
            o.backendReadComplete(this);
        }
    }

    /** Event loop: tells the owner, which reads the client again or stops. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Owner o = owner;
        if (o != null) {
            o.backendWritabilityChanged(this);
        }
    }

    /** Event loop: the server's end of input ends the exchange (or the idle connection); other events are dropped here, at the end of the pipeline. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            Owner o = owner;
            if (o != null) {
                o.backendClosed(this);
            } else {
                ctx.close();
            }
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    /** Event loop: leaves the pool, tells the owner. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inputShutdown = true;
        cancelIdleTimer();
        BackendPool p = pool;
        if (p != null) {
            leavePool();
            p.remove(this);
        }
        Owner o = owner;
        if (o != null) {
            o.backendClosed(this);
        }
    }

    /** Event loop: an I/O error closes the connection (the owner learns it from {@link #channelInactive}). */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("server connection to {}: {}", serverId, cause.toString());
        ctx.close();
    }
}
