package io.junction.backend.proxy.internal;

import io.junction.api.Facts;
import io.junction.api.WellKnownFacts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the PROXY header for one outbound connection from the client connection's
 * {@link Facts} and writes it as the connection's first bytes, encoded by Netty's
 * {@link HAProxyMessageEncoder}.
 *
 * <p><b>Encoding.</b> The encoder is a pipeline handler and its helpers are private, so it is
 * added at the tail of the outbound pipeline for the one write and removed right after, on the
 * event loop, before the core writes anything else: no handler of ours stays in the relay path.
 * The one exception is v1 {@code UNKNOWN}, which the encoder cannot write (it writes the absent
 * addresses as null); that fixed 15-byte line is written as bytes (spec 2.1, short form).
 *
 * <p><b>Families.</b> Both addresses IPv4: {@code TCP4}; both IPv6: {@code TCP6} (spec 2.1, 2.2).
 * Mixed (an IPv4 client that reached an IPv6 destination, which happens when an upstream proxy
 * sent {@code PROXY TCP6 ::ffff:a.b.c.d 2001:db8::1 ...}): HAProxy converts the IPv4 address to
 * IPv4-mapped IPv6 and sends {@code TCP6} (its {@code make_proxy_line_v1/v2}). Junction never
 * puts an IPv4-mapped address on the wire (sslh #141 is what happens when servers meet one), so
 * it sends what HAProxy sends when it cannot express the addresses: v1 {@code PROXY UNKNOWN\r\n}
 * and v2 {@code LOCAL} with family {@code UNSPEC} and no address block. The server then sees the
 * proxy's address (spec 2.1: "use the real connection's parameters"); such headers are counted
 * ({@link ProxyCounters#SENT_UNKNOWN}) and logged at debug.
 *
 * <p><b>TLVs</b> (v2 only, spec 2.2), in HAProxy's order, each only when configured:
 * <ul>
 *   <li>{@code PP2_TYPE_CRC32C} (0x03, spec 2.2.3) with {@code proxy-v2-options crc32c}: the
 *       CRC32c (RFC 4960 appendix B, {@link CRC32C}) of the whole header computed with the field
 *       at zero, in network order;</li>
 *   <li>{@code PP2_TYPE_ALPN} (0x01, spec 2.2.1) with {@code proxy-v2-options alpn} (a Junction
 *       addition; HAProxy sends the ALPN it negotiated itself): the first protocol the client
 *       offered ({@link WellKnownFacts#TLS_ALPN}), when known;</li>
 *   <li>{@code PP2_TYPE_AUTHORITY} (0x02, spec 2.2.2) with {@code proxy-v2-options authority}:
 *       the client's SNI ({@link WellKnownFacts#TLS_SNI}), when known and at most 255 bytes
 *       (HAProxy rejects a longer authority as a bad header);</li>
 *   <li>{@code PP2_TYPE_SSL} (0x20, spec 2.2.6) with {@code send-proxy-v2-ssl} or
 *       {@code proxy-v2-options ssl}: client field {@code PP2_CLIENT_SSL} when this router
 *       terminated the client's TLS ({@code ssl_fc}), else 0 (a passed-through TLS connection is
 *       not "connected over SSL" to us, as in HAProxy), verify 0. The {@code PP2_SUBTYPE_SSL_*}
 *       sub-TLVs are not sent: no fact carries the negotiated version, cipher or client
 *       certificate.</li>
 * </ul>
 * Facts hold SNI and ALPN names as one char per byte received (ISO-8859-1), so writing them back
 * as ISO-8859-1 reproduces the exact bytes the client sent, which is what spec 2.2.1 and 2.2.2
 * ask for.
 */
final class ProxyHeaderWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHeaderWriter.class);

    /** Header plan bits: which keywords were written on the server line. */
    static final int V1 = 1;
    static final int V2 = 1 << 1;
    static final int SSL = 1 << 2;
    static final int AUTHORITY = 1 << 3;
    static final int ALPN = 1 << 4;
    static final int CRC32C_TLV = 1 << 5;

    /** Pipeline names of the handlers that live only for the duration of the header write. */
    static final String ENCODER = "junction-proxy-encoder";
    static final String CRC = "junction-proxy-crc32c";

    /** Spec 2.2.3. Netty has no constant for it: an "OTHER" TLV with this type byte. */
    static final byte PP2_TYPE_CRC32C = 0x03;

    /** Spec 2.2.6: the client connected over SSL/TLS. */
    static final byte PP2_CLIENT_SSL = 0x01;

    /** Longest authority HAProxy accepts when it receives one (its PP2_AUTHORITY_MAX). */
    static final int MAX_AUTHORITY = 255;

    /** Spec 2.1, the short form: "PROXY UNKNOWN\r\n", 15 bytes. */
    private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);

    private ProxyHeaderWriter() {
    }

    /**
     * Event loop of {@code out} (it throws otherwise: a write from elsewhere would be queued and
     * reach the socket after the encoder is gone), does not block: writes the header without
     * flushing; the core flushes it together with the client's first bytes. The header buffer is
     * allocated here and released by Netty once written (or when the write fails).
     *
     * @param bits {@link #V1} or {@link #V2} plus TLV bits; v2 wins when both are set
     */
    static void write(Channel out, Facts facts, int bits) {
        if (!out.eventLoop().inEventLoop()) {
            throw new IllegalStateException("the PROXY header must be written on the connection's event loop");
        }
        InetSocketAddress src = facts.source();
        InetSocketAddress dst = facts.destination();
        HAProxyProxiedProtocol family = family(src, dst);
        boolean v2 = (bits & V2) != 0;
        ProxyCounters.SENT.increment();
        if (family == null) {
            ProxyCounters.SENT_UNKNOWN.increment();
            LOG.debug("send-proxy to {}: source {} and destination {} are not of one family; sending {}",
                    out.remoteAddress(), src, dst, v2 ? "a v2 LOCAL header" : "PROXY UNKNOWN");
            if (v2) {
                encode(out, new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                        HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0), -1);
            } else {
                out.write(out.alloc().buffer(V1_UNKNOWN.length).writeBytes(V1_UNKNOWN), out.voidPromise());
            }
            return;
        }
        String source = NetUtil.toAddressString(src.getAddress());
        String destination = NetUtil.toAddressString(dst.getAddress());
        if (!v2) {
            encode(out, new HAProxyMessage(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY, family, source, destination,
                    src.getPort(), dst.getPort()), -1);
            return;
        }
        List<HAProxyTLV> tlvs = new ArrayList<>(4);
        int crcOffset = -1;
        HAProxyMessage message;
        try {
            ByteBufAllocator alloc = out.alloc();
            if ((bits & CRC32C_TLV) != 0) {
                // First TLV: right after the 16 fixed bytes, the address block and its own
                // 3-byte type and length.
                crcOffset = 16 + (family == HAProxyProxiedProtocol.TCP4 ? 12 : 36) + 3;
                tlvs.add(new HAProxyTLV(PP2_TYPE_CRC32C, alloc.buffer(4).writeInt(0)));
            }
            if ((bits & ALPN) != 0) {
                List<String> alpn = facts.get(WellKnownFacts.TLS_ALPN);
                String first = alpn == null || alpn.isEmpty() ? null : alpn.get(0);
                if (first != null && !first.isEmpty() && first.length() <= 255) {
                    tlvs.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_ALPN, latin1(alloc, first)));
                }
            }
            if ((bits & AUTHORITY) != 0) {
                String sni = facts.get(WellKnownFacts.TLS_SNI);
                if (sni != null && !sni.isEmpty() && sni.length() <= MAX_AUTHORITY) {
                    tlvs.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, latin1(alloc, sni)));
                }
            }
            if ((bits & SSL) != 0) {
                tlvs.add(new HAProxySSLTLV(0, facts.tlsTerminated() ? PP2_CLIENT_SSL : 0, List.of()));
            }
            message = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, family, source, destination,
                    src.getPort(), dst.getPort(), tlvs);
        } catch (RuntimeException e) {
            for (HAProxyTLV tlv : tlvs) {
                tlv.release();
            }
            throw e;
        }
        encode(out, message, crcOffset);
    }

    /** TCP4 or TCP6 when both addresses are of that family; null otherwise. */
    static HAProxyProxiedProtocol family(InetSocketAddress src, InetSocketAddress dst) {
        InetAddress s = src == null ? null : src.getAddress();
        InetAddress d = dst == null ? null : dst.getAddress();
        if (s instanceof Inet4Address && d instanceof Inet4Address) {
            return HAProxyProxiedProtocol.TCP4;
        }
        if (s instanceof Inet6Address && d instanceof Inet6Address) {
            return HAProxyProxiedProtocol.TCP6;
        }
        return null;
    }

    private static ByteBuf latin1(ByteBufAllocator alloc, String s) {
        ByteBuf buf = alloc.buffer(s.length());
        buf.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        return buf;
    }

    /**
     * Writes {@code message} through a temporary {@link HAProxyMessageEncoder} at the tail of the
     * pipeline (and, for CRC32c, a temporary patcher just before it), then removes them. The
     * write runs synchronously on the event loop, so both are gone before this returns.
     * {@code message} is released by the encoder, or here if the write cannot start.
     */
    private static void encode(Channel out, HAProxyMessage message, int crcOffset) {
        ChannelPipeline pipeline = out.pipeline();
        boolean handedOver = false;
        try {
            pipeline.addLast(ENCODER, HAProxyMessageEncoder.INSTANCE);
            if (crcOffset >= 0) {
                pipeline.addBefore(ENCODER, CRC, new Crc32cPatch(crcOffset));
            }
            handedOver = true;
            out.write(message, out.voidPromise());
        } finally {
            if (!handedOver) {
                message.release();
            }
            if (pipeline.context(CRC) != null) {
                pipeline.remove(CRC);
            }
            if (pipeline.context(ENCODER) != null) {
                pipeline.remove(ENCODER);
            }
        }
    }

    /**
     * Fills the CRC32C TLV of the encoded header in place (spec 2.2.3: "initialize the checksum
     * field to '0's, calculate the CRC32c checksum of the PROXY header ..., put the resultant
     * value into the checksum field"). Lives only for the header write.
     */
    static final class Crc32cPatch extends ChannelOutboundHandlerAdapter {
        private final int offset;

        Crc32cPatch(int offset) {
            this.offset = offset;
        }

        /** Event loop: patches the header buffer it passes on; takes no ownership. */
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b && b.readableBytes() >= offset + 4) {
                CRC32C crc = new CRC32C();
                for (int i = b.readerIndex(), end = b.writerIndex(); i < end; i++) {
                    crc.update(b.getByte(i));
                }
                b.setInt(b.readerIndex() + offset, (int) crc.getValue());
            }
            ctx.write(msg, promise);
        }
    }
}
