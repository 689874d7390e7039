package io.junction.core.internal.net;

import io.junction.api.InspectionReady;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.junction.core.internal.route.BackendPool;
import io.junction.core.internal.route.Decision;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.Inspection;
import io.junction.core.internal.route.ServerTarget;
import io.junction.core.internal.route.Timeouts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per client connection: inspects, decides, connects, then replaces itself with a
 * {@link Relay}. Everything happens on the connection's event loop; nothing blocks.
 *
 * <p>Inspection buffers the client's bytes (at most the frontend's peek limit plus one read)
 * and lets the frontend's sniffers peek at them; rules are evaluated after every read. An
 * undecided rule waits, bounded by the inspect delay. Once decided, reading stops, the server
 * is connected on the same event loop, the buffered bytes are written to it untouched, and
 * both sides relay (as Netty's {@code HAProxyMessageDecoder}: decide, remove yourself, replay).
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter implements Inspection {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private final FrontendRoutes routes;
    private final ConnectionFacts facts;
    private final Counters counters;
    private ByteBuf buffer;
    private long activeSniffers;
    private boolean decided;
    private boolean clientInputShutdown;
    private ScheduledFuture<?> inspectTimer;
    private Channel outbound;
    /** The relay at the head of the server channel's pipeline (server -> client). */
    private Relay outboundRelay;
    /** Connect attempts after the first (for {@code retries}). */
    private int attempts;
    /** Options (PROXY header, TLS handshake) that must finish before rules are evaluated. */
    private int gates;

    ConnectionHandler(FrontendRoutes routes, ConnectionFacts facts, Counters counters) {
        this.routes = routes;
        this.facts = facts;
        this.counters = counters;
        long mask = 0;
        for (long bit : routes.snifferBits()) {
            mask |= bit;
        }
        this.activeSniffers = mask;
    }

    // ---------------------------------------------------------------- Inspection

    @Override
    public ConnectionFacts facts() {
        return facts;
    }

    @Override
    public long activeSniffers() {
        return activeSniffers;
    }

    @Override
    public boolean ended() {
        return facts.inspectionEnded();
    }

    /** At accept, before the handler is added: one more option must fire {@code InspectionReady}. */
    void addGate() {
        gates++;
    }

    // ---------------------------------------------------------------- inbound events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (gates == 0) {
            evaluate(ctx);
        }
        if (!decided) {
            inspectTimer = ctx.executor().schedule(() -> inspectTimeout(ctx), routes.inspectDelay(),
                    TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelActive();
    }

    private void inspectTimeout(ChannelHandlerContext ctx) {
        inspectTimer = null;
        if (decided) {
            return;
        }
        counters.inspectTimeout.increment();
        LOG.debug("{} {}: inspect delay elapsed, deciding with what is known", routes.name(), facts.source());
        facts.endInspection();
        evaluate(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        buffer = buffer == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), buffer, in);
        if (decided) {
            // A read already under way when we decided: keep the bytes for the replay.
            return;
        }
        sniff();
        if (gates > 0) {
            return;
        }
        int limit = routes.peekLimit();
        if (limit > 0 && buffer.readableBytes() >= limit && !facts.inspectionEnded()) {
            counters.peekLimit.increment();
            LOG.debug("{} {}: {} bytes read without a verdict, deciding with what is known", routes.name(),
                    facts.source(), buffer.readableBytes());
            facts.endInspection();
        }
        evaluate(ctx);
    }

    private void sniff() {
        Sniffer[] sniffers = routes.sniffers();
        long[] bits = routes.snifferBits();
        for (int i = 0; i < sniffers.length; i++) {
            if ((activeSniffers & bits[i]) == 0) {
                continue;
            }
            SniffResult result;
            try {
                result = sniffers[i].sniff(buffer, facts);
            } catch (RuntimeException e) {
                // A faulty plugin must not take the connection handling down with it.
                counters.pluginError.increment();
                LOG.warn("sniffer {} failed on a connection from {}", routes.snifferNames()[i], facts.source(), e);
                result = SniffResult.NOT_APPLICABLE;
            }
            if (result == SniffResult.NEED_MORE) {
                continue;
            }
            activeSniffers &= ~bits[i];
            if (result == SniffResult.NOT_APPLICABLE) {
                counters.notApplicable(routes.snifferNames()[i]);
                LOG.debug("{} {}: not {} ({} bytes seen)", routes.name(), facts.source(), routes.snifferNames()[i],
                        buffer.readableBytes());
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == InspectionReady.INSTANCE) {
            if (gates > 0 && --gates == 0 && !decided) {
                if (buffer != null) {
                    sniff();
                }
                evaluate(ctx);
            }
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            clientInputShutdown = true;
            if (!decided && gates == 0) {
                facts.endInspection();
                evaluate(ctx);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cleanup();
        if (outbound != null) {
            outbound.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{} {}: {}", routes.name(), facts.source(), cause.toString());
        ctx.close();
    }

    private void cleanup() {
        if (inspectTimer != null) {
            inspectTimer.cancel(false);
            inspectTimer = null;
        }
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    // ---------------------------------------------------------------- decide

    private void evaluate(ChannelHandlerContext ctx) {
        if (gates > 0) {
            // Inspection ended (delay, half-close) before a PROXY header or TLS handshake
            // completed: the connection's addresses or plaintext are unknown, so it cannot be
            // routed correctly.
            decided = true;
            cancelTimer();
            counters.rejected.increment();
            LOG.debug("{} {}: closed before its PROXY header or TLS handshake completed", routes.name(), facts.source());
            ctx.close();
            return;
        }
        if (routes.mode() != null) {
            handOver(ctx);
            return;
        }
        Object decision = routes.decide(this);
        if (decision == Decision.WAIT) {
            if (!facts.inspectionEnded()) {
                return;
            }
            // Cannot happen with well-formed conditions (ended => decided); never hang on it.
            decision = Decision.NO_SERVER;
        }
        decided = true;
        cancelTimer();
        if (decision == Decision.REJECT) {
            counters.rejected.increment();
            LOG.debug("{} {}: rejected by tcp-request content rule", routes.name(), facts.source());
            ctx.close();
        } else if (decision == Decision.NO_SERVER) {
            counters.noServer.increment();
            LOG.debug("{} {}: no rule and no default server took the connection", routes.name(), facts.source());
            ctx.close();
        } else {
            connect(ctx, (ServerTarget) decision);
        }
    }

    private void cancelTimer() {
        if (inspectTimer != null) {
            inspectTimer.cancel(false);
            inspectTimer = null;
        }
    }

    /**
     * HTTP (or another non-TCP mode): the mode owns the connection from here on; it gets the
     * bytes read so far and routes each request itself through the frontend's router.
     */
    private void handOver(ChannelHandlerContext ctx) {
        decided = true;
        cancelTimer();
        ByteBuf initial = buffer != null ? buffer : Unpooled.EMPTY_BUFFER;
        buffer = null;
        Channel client = ctx.channel();
        ctx.pipeline().remove(this);
        counters.routed.increment();
        client.attr(Listeners.SERVER).set("(mode " + routes.name() + ")");
        try {
            routes.mode().serve(client, initial, facts, routes.router());
        } catch (RuntimeException e) {
            counters.pluginError.increment();
            LOG.warn("{}: proxy mode failed to take a connection from {}", routes.name(), facts.source(), e);
            client.close();
        }
    }

    // ---------------------------------------------------------------- connect

    private void connect(ChannelHandlerContext ctx, ServerTarget server) {
        Channel client = ctx.channel();
        if (server.pendingReason() != null) {
            counters.serverUnusable.increment();
            LOG.info("{} {}: server {} is unusable: {}", routes.name(), facts.source(), server.id(), server.pendingReason());
            ctx.close();
            return;
        }
        client.config().setAutoRead(false);
        ChannelFuture future;
        try {
            outboundRelay = new Relay(client);
            future = server.open(client.eventLoop(), outboundRelay, facts);
        } catch (RuntimeException e) {
            counters.optionFailed.increment();
            LOG.info("{} {}: cannot open the connection to {}: {}", routes.name(), facts.source(), server.id(),
                    e.toString());
            ctx.close();
            return;
        }
        outbound = future.channel();
        future.addListener(f -> connected(ctx, server, (ChannelFuture) f));
    }

    /**
     * HAProxy's {@code retries} and {@code option redispatch}: after a failed connect, try again
     * (up to {@code retries} times), on another available server with redispatch, else on the
     * same one after a turn-around delay of min(timeout connect, 1 s), so that a restarting
     * server is not hammered.
     *
     * @return false when no retry is left: the caller closes the client
     */
    private boolean retry(ChannelHandlerContext ctx, ServerTarget server) {
        BackendPool pool = routes.backendOf(server);
        if (pool == null || attempts >= pool.retries() || !ctx.channel().isActive()) {
            return false;
        }
        attempts++;
        counters.retries.increment();
        ServerTarget next = pool.redispatch() ? pool.balance(this, server) : null;
        if (next != null && next != server) {
            LOG.debug("{} {}: redispatching to {} (attempt {})", routes.name(), facts.source(), next.id(), attempts + 1);
            connect(ctx, next);
        } else {
            long delay = Math.min(routes.timeouts().connect(), FrontendRoutes.RETRY_DELAY_MILLIS);
            ctx.executor().schedule(() -> {
                if (ctx.channel().isActive()) {
                    connect(ctx, server);
                }
            }, delay, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    private void connected(ChannelHandlerContext ctx, ServerTarget server, ChannelFuture future) {
        Channel client = ctx.channel();
        if (!future.isSuccess()) {
            counters.connectFailed.increment();
            LOG.debug("{} {}: connect to {} ({}) failed: {}", routes.name(), facts.source(), server.id(),
                    server.address(), future.cause().toString());
            if (!retry(ctx, server)) {
                ctx.close();
            }
            return;
        }
        Channel out = future.channel();
        if (!client.isActive()) {
            out.close();
            return;
        }
        Timeouts timeouts = routes.timeouts();
        // Data moving either way keeps both sides alive, so the first limit to expire is the
        // smaller one: timeout tunnel when set, else min(timeout client, timeout server).
        IdleWatch watch = new IdleWatch(client, out, Math.min(timeouts.clientIdle(), timeouts.serverIdle()), counters);
        Relay inbound = new Relay(out);
        inbound.watch(watch);
        outboundRelay.watch(watch);
        ByteBuf replay = buffer;
        buffer = null;
        ctx.pipeline().replace(this, "relay", inbound);
        watch.start();
        if (replay != null) {
            out.write(replay, out.voidPromise());
        }
        out.flush();
        if (clientInputShutdown && out instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
        counters.routed.increment();
        client.attr(Listeners.SERVER).set(server.id());
        LOG.debug("{} {} -> {} ({})", routes.name(), facts.source(), server.id(), out.remoteAddress());
        out.config().setAutoRead(true);
        client.config().setAutoRead(true);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Replaced by the relay (buffer already handed over) or torn down with the channel.
        cleanup();
    }
}
