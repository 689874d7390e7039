package io.junction.listener.tls.internal;

import io.junction.api.Facts;
import io.junction.api.InspectionReady;
import io.junction.api.WellKnownFacts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the TLS handshake of one client connection, right behind the TLS handler (Netty's
 * {@link SniHandler}, which replaces itself with an {@link SslHandler} once it has read the
 * ClientHello and chosen a certificate).
 *
 * <p>On success it stores the {@code ssl_fc_*} facts (and the SNI and ALPN under
 * {@link WellKnownFacts} when no one set them), fires {@link InspectionReady} so that the core
 * evaluates its rules on the decrypted stream, and removes itself. On failure it counts the
 * reason, logs it at debug and closes the connection; the core never sees the failure as an
 * exception. A {@code strict-sni} refusal is answered with a TLS alert first.
 *
 * <p>Event loop only; never blocks. Releases nothing it did not allocate: decrypted data passes
 * through untouched.
 */
final class TlsGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TlsGate.class);

    /** Pipeline name of this handler. */
    static final String NAME = "junction-tls-gate";

    private final Facts facts;
    private final TlsCounters counters;
    private final SniHandler sni;
    private final String location;
    private boolean done;

    TlsGate(Facts facts, TlsCounters counters, SniHandler sni, String location) {
        this.facts = facts;
        this.counters = counters;
        this.sni = sni;
        this.location = location;
    }

    /** Event loop: the handshake's outcome; every other event passes on. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslHandshakeCompletionEvent completion) || done) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (!completion.isSuccess()) {
            fail(ctx, completion.cause());
            return;
        }
        done = true;
        counters.handshakes.increment();
        record(ctx);
        // Out of the way first, so that the core (and a proxy mode it hands over to) finds a
        // pipeline of the TLS handler and itself; a removed context still fires onwards.
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(InspectionReady.INSTANCE);
        // Handlers behind us (the HTTP mode, once the core handed over) may want it too.
        ctx.fireUserEventTriggered(evt);
    }

    private void record(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return;
        }
        SSLSession session = ssl.engine().getSession();
        String protocol = session.getProtocol();
        if (protocol != null) {
            facts.put(TlsFacts.PROTOCOL, protocol);
        }
        String alpn = ssl.applicationProtocol();
        if (alpn != null) {
            facts.put(TlsFacts.ALPN, alpn);
            if (facts.get(WellKnownFacts.TLS_ALPN) == null) {
                // The offered list is not exposed by the JDK engine; the negotiated protocol is
                // what a PROXY v2 ALPN TLV carries in HAProxy anyway.
                facts.put(WellKnownFacts.TLS_ALPN, List.of(alpn));
            }
        }
        String name = serverName(session);
        if (name != null) {
            facts.put(TlsFacts.SNI, name);
            if (facts.get(WellKnownFacts.TLS_SNI) == null) {
                facts.put(WellKnownFacts.TLS_SNI, name);
            }
        }
    }

    /** The server name as the client sent it; the SNI handler's (lower-cased) copy as a fallback. */
    private String serverName(SSLSession session) {
        if (session instanceof ExtendedSSLSession ext) {
            try {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName host) {
                        return host.getAsciiName();
                    }
                }
            } catch (UnsupportedOperationException e) {
                // fall through
            }
        }
        return sni.hostname();
    }

    /** Event loop: a failure before the handshake completed ends the connection quietly. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        fail(ctx, cause);
    }

    /** Event loop: a close before the handshake completed is counted, then passed on. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            done = true;
            counters.aborted.increment();
            LOG.debug("{} {}: closed during the TLS handshake", location, facts.source());
        }
        ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        done = true;
        StrictSniRefusal refusal = find(cause, StrictSniRefusal.class);
        if (refusal != null) {
            counters.strictSniRefused.increment();
            LOG.debug("{} {}: {}", location, facts.source(), refusal.getMessage());
            ctx.writeAndFlush(alert(ctx, refusal.alert())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String reason;
        if (find(cause, NotSslRecordException.class) != null) {
            counters.notTls.increment();
            reason = "not TLS";
        } else if (find(cause, SslHandshakeTimeoutException.class) != null) {
            counters.handshakeTimeout.increment();
            reason = "handshake timed out";
        } else if (find(cause, SSLException.class) != null) {
            counters.handshakeFailed.increment();
            reason = "handshake failed";
        } else if (find(cause, IOException.class) != null) {
            counters.aborted.increment();
            reason = "aborted";
        } else {
            counters.handshakeFailed.increment();
            reason = "handshake failed";
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {}: TLS {}: {}", location, facts.source(), reason, cause.toString());
        }
        ctx.close();
    }

    /**
     * A fatal TLS alert record (RFC 8446 section 6 / RFC 5246 section 7.2):
     * <pre>
     * struct { ContentType type = alert(21); ProtocolVersion legacy_record_version = 0x0303;
     *          uint16 length = 2; }            // record header
     * struct { AlertLevel level = fatal(2); AlertDescription description; } Alert;
     * </pre>
     */
    private static ByteBuf alert(ChannelHandlerContext ctx, int description) {
        return ctx.alloc().buffer(7).writeByte(21).writeShort(0x0303).writeShort(2).writeByte(2).writeByte(description);
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
