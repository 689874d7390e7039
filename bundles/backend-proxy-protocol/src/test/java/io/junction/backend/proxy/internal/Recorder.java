package io.junction.backend.proxy.internal;

import io.junction.api.InspectionReady;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands where the core's connection handler stands, after the PROXY handlers: records what
 * reaches it (InspectionReady events, bytes, anything else) in order, and releases every buffer.
 */
final class Recorder extends ChannelInboundHandlerAdapter {
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int ready;
    /** Bytes received before the first InspectionReady: must stay 0. */
    int bytesBeforeReady;
    boolean inactive;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf buf) {
                if (ready == 0) {
                    bytesBeforeReady += buf.readableBytes();
                }
                byte[] b = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), b);
                bytes.writeBytes(b);
                if (events.isEmpty() || !events.get(events.size() - 1).equals("bytes")) {
                    events.add("bytes");
                }
            } else {
                events.add("message " + msg.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == InspectionReady.INSTANCE) {
            ready++;
            events.add("ready");
        } else {
            events.add("event " + evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Reaching here would mean the PROXY handlers let an exception through to the core.
        events.add("exception " + cause);
    }

    byte[] received() {
        return bytes.toByteArray();
    }
}
