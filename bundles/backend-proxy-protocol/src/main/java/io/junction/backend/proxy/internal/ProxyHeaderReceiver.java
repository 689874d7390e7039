package io.junction.backend.proxy.internal;

import io.junction.api.Facts;
import io.junction.api.InspectionReady;
import io.junction.backend.proxy.internal.ProxyCounters.Received;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads exactly one PROXY protocol header (v1 or v2, told apart by the first byte, spec 2.2 end)
 * at the start of a client connection, applies the addresses it carries to the connection's
 * {@link Facts}, and gets out of the way: the bytes after the header go on untouched, and the
 * core is told with {@link InspectionReady} that it may evaluate rules.
 *
 * <p>Three handlers go at the head of the client pipeline, in this order:
 * <ol>
 *   <li>{@value #GUARD} (a {@link Guard}): checks the fixed parts of the header as bytes arrive
 *       (the "PROXY " prefix or the 12-byte v2 signature, the v2 version/command byte and the v2
 *       length field) so that a client that sends anything else is closed at its first wrong
 *       byte rather than after the decoder's 13-byte wait, and so that an oversized v2 header
 *       is refused from its length field, before it is buffered. It decodes nothing.</li>
 *   <li>{@value #DECODER}: Netty's {@link HAProxyMessageDecoder}, which decodes the header (and
 *       removes itself afterwards, passing on the bytes that followed it).</li>
 *   <li>{@value #SINK} (a {@link Sink}): applies the decoded message, removes the guard and
 *       itself, fires {@link InspectionReady}; or counts, logs and closes on any failure.</li>
 * </ol>
 *
 * <p>Everything runs on the connection's event loop; nothing blocks. Memory is bounded by the
 * header caps: {@value #V1_MAX_LINE} bytes for v1 (spec 2.1) and {@value #MAX_V2_HEADER_BYTES}
 * for v2.
 *
 * <p><b>Time bound.</b> Spec 2: "The receiver MUST NOT start processing the connection before it
 * receives a complete and valid PROXY protocol header", and it "may apply a short timeout ... at
 * least 3 seconds to cover a TCP retransmit". A header not complete after
 * {@value #HEADER_TIMEOUT_MILLIS} ms closes the connection. The core's own inspect delay also
 * bounds the wait (it then decides without the header); if the header completes after that
 * point, the connection is closed as {@link Received#LATE} instead of being processed with the
 * wrong addresses, and since the bytes after the header are held by the decoder until then, no
 * client byte ever reaches a server under the proxy's own address.
 */
final class ProxyHeaderReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHeaderReceiver.class);

    /** Pipeline names; the guard and the sink are this bundle's, the decoder is Netty's. */
    static final String GUARD = "junction-proxy-guard";
    static final String DECODER = "junction-proxy-decoder";
    static final String SINK = "junction-proxy-header";

    /**
     * Longest v1 header, CRLF included: spec 2.1 ("If the CRLF sequence is not found in the first
     * 107 characters, the receiver should declare the line invalid").
     */
    static final int V1_MAX_LINE = 107;

    /**
     * Longest v2 header accepted, the 16 fixed bytes included: 2 KiB. A v2 header is 16 bytes plus
     * 12 (IPv4) or 36 (IPv6) bytes of addresses plus TLVs; real senders stay far below this
     * (HAProxy with every proxy-v2-options TLV about 1 KiB, cloud load balancers add one small
     * TLV). The length field allows 64 KiB, which a client could make us buffer per connection;
     * HAProxy itself reads at most one buffer (tune.bufsize, 16 KiB by default).
     */
    static final int MAX_V2_HEADER_BYTES = 2048;

    /**
     * The decoder's TLV budget, chosen so that its own cap equals {@link #MAX_V2_HEADER_BYTES}:
     * it allows {@code 16 + 216 + maxTlvSize} bytes (216 being the AF_UNIX address block, the
     * largest). The guard rejects larger headers first, from their length field.
     */
    static final int MAX_TLV_BYTES = MAX_V2_HEADER_BYTES - 16 - 216;

    /**
     * How long a client may take to send its whole header: 3 s, the floor spec 2 recommends ("at
     * least 3 seconds to cover a TCP retransmit"). A trusted proxy sends the header with its
     * first segment, so more is never needed; less would cut off a lossy first segment. It is
     * also below the core's default inspect delay (5 s), so that by default this timeout, not the
     * inspect delay, ends a connection whose header never comes.
     */
    static final long HEADER_TIMEOUT_MILLIS = 3000;

    /** Spec 2.1: "PROXY" followed by exactly one space. */
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);

    /** Spec 2.2: the 12-byte v2 signature \x0D \x0A \x0D \x0A \x00 \x0D \x0A \x51 \x55 \x49 \x54 \x0A. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static final int KIND_UNKNOWN = 0;
    private static final int KIND_V1 = 1;
    private static final int KIND_V2 = 2;

    private final Facts facts;
    private final String origin;
    private final Guard guard = new Guard();
    private final Sink sink = new Sink();

    /** InspectionReady events owed to the core: one per option that installed us. */
    private int owed = 1;
    private boolean done;
    private boolean failed;
    private ScheduledFuture<?> deadline;

    // Guard state: how far into the header we are.
    private int seen;
    private int kind = KIND_UNKNOWN;
    private int lengthHigh;
    private int v2Total = -1;
    private boolean lastWasCr;
    private boolean boundaryKnown;

    private ProxyHeaderReceiver(Facts facts, String origin) {
        this.facts = facts;
        this.origin = origin;
    }

    /**
     * Event loop of {@code client}, at accept (from {@code BindOption.accepted} or
     * {@code ConnectionAction.apply}), before the core's handler is added; does not block.
     * Installs the three handlers at the head of the pipeline. When both {@code accept-proxy}
     * and {@code expect-proxy} apply to one connection, HAProxy reads one header, not two: the
     * second call only adds one more {@link InspectionReady} to fire, since the core counts
     * one gate per option.
     *
     * @param origin {@code accept-proxy} or {@code expect-proxy}, for log lines
     */
    static void install(Channel client, Facts facts, String origin) {
        ChannelPipeline pipeline = client.pipeline();
        if (pipeline.get(SINK) instanceof Sink existing) {
            existing.owner().owed++;
            return;
        }
        ProxyHeaderReceiver receiver = new ProxyHeaderReceiver(facts, origin);
        pipeline.addFirst(SINK, receiver.sink);
        pipeline.addFirst(DECODER, new HAProxyMessageDecoder(MAX_TLV_BYTES));
        pipeline.addFirst(GUARD, receiver.guard);
    }

    /** Closes the connection for {@code reason}, once; counts and logs it at debug. */
    private void fail(ChannelHandlerContext ctx, Received reason, String detail) {
        if (failed || done) {
            return;
        }
        failed = true;
        cancelDeadline();
        count(ctx, reason, detail, "closing");
        ctx.close();
    }

    private void count(ChannelHandlerContext ctx, Received reason, String detail, String action) {
        reason.count.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {}: {}{} ({} so far), {}", origin, ctx.channel().remoteAddress(), reason.description,
                    detail == null ? "" : ": " + detail, reason.count.sum(), action);
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /**
     * Checks the fixed bytes of the header in {@code buf} without consuming them. Returns the
     * reason to reject, or null when the bytes so far can be a header (or the header's end has
     * been passed and the rest is payload).
     *
     * <pre>
     * v1 (spec 2.1):  "PROXY" SP ... CRLF, at most 107 bytes
     * v2 (spec 2.2):  struct proxy_hdr_v2 {
     *                     uint8_t sig[12];  // 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
     *                     uint8_t ver_cmd;  // version (high 4 bits, must be 2), command (0 LOCAL, 1 PROXY)
     *                     uint8_t fam;      // family and transport (checked by the decoder)
     *                     uint16_t len;     // bytes that follow (addresses, then TLVs), network order
     *                 };
     * </pre>
     */
    private Received scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && !boundaryKnown) {
            int offset = seen;
            if (kind == KIND_V2 && offset >= 16) {
                // Addresses and TLVs: the decoder reads them; only their end matters here.
                int skip = Math.min(end - i, v2Total - offset);
                seen += skip;
                i += skip;
                if (seen == v2Total) {
                    boundaryKnown = true;
                }
                continue;
            }
            byte b = buf.getByte(i++);
            seen++;
            if (offset == 0) {
                kind = b == V1_PREFIX[0] ? KIND_V1 : b == V2_SIGNATURE[0] ? KIND_V2 : KIND_UNKNOWN;
                if (kind == KIND_UNKNOWN) {
                    return Received.NOT_PROXY;
                }
            }
            if (kind == KIND_V1) {
                if (offset < V1_PREFIX.length) {
                    if (b != V1_PREFIX[offset]) {
                        return Received.NOT_PROXY;
                    }
                    continue;
                }
                if (lastWasCr && b == '\n') {
                    boundaryKnown = true;
                    continue;
                }
                lastWasCr = b == '\r';
                if (seen >= V1_MAX_LINE) {
                    return Received.OVERSIZED;
                }
            } else if (offset < V2_SIGNATURE.length) {
                if (b != V2_SIGNATURE[offset]) {
                    return Received.NOT_PROXY;
                }
            } else if (offset == 12) {
                if ((b & 0xF0) != 0x20) {
                    return Received.BAD_VERSION;
                }
                if ((b & 0x0F) > 1) {
                    return Received.BAD_COMMAND;
                }
            } else if (offset == 14) {
                lengthHigh = b & 0xFF;
            } else if (offset == 15) {
                v2Total = 16 + ((lengthHigh << 8) | (b & 0xFF));
                if (v2Total > MAX_V2_HEADER_BYTES) {
                    return Received.OVERSIZED;
                }
                if (v2Total == 16) {
                    boundaryKnown = true;
                }
            }
        }
        return null;
    }

    /**
     * The addresses a decoded header carries, or null when the connection's own addresses stay:
     * the LOCAL command (spec 2.2: "use the real connection endpoints"), UNKNOWN (spec 2.1:
     * "use the real connection's parameters") and families this TCP listener cannot stand for
     * (UDP, UNIX), where HAProxy also keeps the socket's addresses.
     */
    private static InetSocketAddress[] addresses(HAProxyMessage m) {
        HAProxyProxiedProtocol p = m.proxiedProtocol();
        if (m.command() != HAProxyCommand.PROXY
                || (p != HAProxyProxiedProtocol.TCP4 && p != HAProxyProxiedProtocol.TCP6)) {
            return null;
        }
        // The codec validated both literals; this parses them without any name lookup.
        InetAddress source = NetUtil.createInetAddressFromIpAddressString(m.sourceAddress());
        InetAddress destination = NetUtil.createInetAddressFromIpAddressString(m.destinationAddress());
        if (source == null || destination == null) {
            throw new IllegalArgumentException("unparsable address in " + m.sourceAddress() + " " + m.destinationAddress());
        }
        return new InetSocketAddress[] {new InetSocketAddress(source, m.sourcePort()),
            new InetSocketAddress(destination, m.destinationPort())};
    }

    /**
     * First handler: checks the fixed parts of the header as bytes pass, then forwards them
     * untouched to the decoder. Never consumes, never decodes.
     */
    final class Guard extends ChannelInboundHandlerAdapter {

        /** Event loop: see {@link ProxyHeaderReceiver#scan}. Releases {@code msg} when it closes the connection. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (failed) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!boundaryKnown && msg instanceof ByteBuf buf) {
                Received reason = scan(buf);
                if (reason != null) {
                    buf.release();
                    fail(ctx, reason, "after " + seen + " byte(s)");
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Last handler: receives the decoded {@link HAProxyMessage} (or the decoder's failure) and
     * finishes the job.
     */
    final class Sink extends ChannelInboundHandlerAdapter {

        ProxyHeaderReceiver owner() {
            return ProxyHeaderReceiver.this;
        }

        /** Event loop: starts the header timeout. */
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> {
                deadline = null;
                if (!done) {
                    fail(ctx, Received.TIMEOUT, "after " + HEADER_TIMEOUT_MILLIS + " ms and " + seen + " byte(s)");
                }
            }, HEADER_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancelDeadline();
        }

        /**
         * Event loop: applies a decoded header, which this method releases. Anything else (which
         * the decoder does not emit before the header) is passed on untouched, unless the
         * connection already failed, in which case it is released and dropped.
         */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (failed) {
                // The decoder may still pass on what it buffered (when it is removed as the
                // channel closes): none of it may reach the core.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!(msg instanceof HAProxyMessage message)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                accept(ctx, message);
            } finally {
                message.release();
            }
        }

        private void accept(ChannelHandlerContext ctx, HAProxyMessage message) {
            if (done || failed) {
                return;
            }
            if (facts.inspectionEnded()) {
                // The core stopped waiting and decided without us: processing this connection
                // now would do so with the proxy's address, which spec 2 forbids.
                fail(ctx, Received.LATE, null);
                return;
            }
            InetSocketAddress[] addresses;
            try {
                addresses = addresses(message);
            } catch (RuntimeException e) {
                fail(ctx, Received.MALFORMED, e.getMessage());
                return;
            }
            if (addresses != null) {
                facts.overrideAddresses(addresses[0], addresses[1]);
            }
            done = true;
            cancelDeadline();
            Received.DECODED.count.increment();
            if (LOG.isTraceEnabled()) {
                LOG.trace("{} {}: PROXY {} {} -> {}", origin, ctx.channel().remoteAddress(), message.protocolVersion(),
                        message.command(), addresses == null ? "socket addresses kept" : facts.source());
            }
            ChannelPipeline pipeline = ctx.pipeline();
            if (pipeline.get(GUARD) == guard) {
                pipeline.remove(guard);
            }
            for (int i = 0; i < owed; i++) {
                ctx.fireUserEventTriggered(InspectionReady.INSTANCE);
            }
            // The decoder removes itself when this returns and passes on the bytes that followed
            // the header; this handler must be gone by then so they flow straight to the core.
            pipeline.remove(this);
        }

        /** Event loop: a decoder failure (malformed header) or a socket error before the header. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (done) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            Received reason = cause instanceof DecoderException ? Received.MALFORMED : Received.ABORTED;
            Throwable shown = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            fail(ctx, reason, String.valueOf(shown.getMessage()));
        }

        /** Event loop: a half-close before the header completed is a truncated header. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!done && evt instanceof ChannelInputShutdownEvent) {
                fail(ctx, seen == 0 ? Received.EMPTY : Received.TRUNCATED, "after " + seen + " byte(s)");
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** Event loop: a close before the header completed is counted, then passed on to the core. */
        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done && !failed) {
                failed = true;
                cancelDeadline();
                count(ctx, seen == 0 ? Received.EMPTY : Received.TRUNCATED, "after " + seen + " byte(s)", "closed");
            }
            ctx.fireChannelInactive();
        }
    }

    /** For tests: whether a handler of this class is still in {@code pipeline}. */
    static boolean installedIn(ChannelPipeline pipeline) {
        ChannelHandler g = pipeline.get(GUARD);
        ChannelHandler s = pipeline.get(SINK);
        return g != null || s != null || pipeline.get(DECODER) != null;
    }
}
