package io.junction.core.internal.net;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes from its channel to the peer channel, both on the same event loop. Buffers are
 * passed through, never copied: the peer's write releases them. Backpressure: when the peer's
 * outbound buffer passes its high water mark, this side stops reading until the peer drains
 * (auto-read flow control, no unbounded queue). Half-close is relayed: end of input on one side
 * shuts down the peer's output; when both directions are done, both channels close.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    private final Channel peer;
    private IdleWatch idle;

    Relay(Channel peer) {
        this.peer = peer;
    }

    /** Event loop, before relaying starts: the pair's inactivity watch. */
    void watch(IdleWatch idle) {
        this.idle = idle;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (idle != null) {
            idle.activity();
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            peer.flush();
            if (peer instanceof DuplexChannel duplex && !duplex.isOutputShutdown()) {
                duplex.shutdownOutput();
            }
            if (ctx.channel() instanceof DuplexChannel self && self.isOutputShutdown()) {
                closeBoth(ctx);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle != null) {
            idle.stop();
        }
        if (peer.isActive()) {
            // Deliver what is already queued, then close: the other side sees the end in order.
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: {}", ctx.channel(), cause.toString());
        closeBoth(ctx);
    }

    private void closeBoth(ChannelHandlerContext ctx) {
        ctx.close();
        peer.close();
    }
}
