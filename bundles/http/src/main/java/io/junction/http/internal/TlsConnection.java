package io.junction.http.internal;

import io.junction.api.Facts;
import io.junction.api.WellKnownFacts;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/**
 * What the HTTP mode needs to know about the TLS a bind option terminated on a client
 * connection: the negotiated ALPN protocol (to choose HTTP/2 or HTTP/1.1) and the server name
 * the client asked for (to answer 421 to requests for another host). The TLS handler itself is
 * the authority when it is in the pipeline: {@link WellKnownFacts#TLS_ALPN} may hold the list a
 * client <em>offered</em> (a sniffer, a PROXY v2 TLV), and offering h2 is not negotiating it.
 * Static helpers; event loop of the channel only.
 */
final class TlsConnection {

    /** RFC 7301 section 6 / RFC 9113 section 3.2: the ALPN identifier of HTTP/2 over TLS. */
    static final String H2 = "h2";

    private TlsConnection() {
    }

    /** The TLS handler a terminating bind put in the client's pipeline, or null. */
    static SslHandler ssl(Channel ch) {
        return ch.pipeline().get(SslHandler.class);
    }

    /**
     * The ALPN protocol negotiated on the connection (RFC 7301 section 3.2), or null. From the
     * TLS handler when there is one; otherwise, on a connection the facts say was terminated,
     * the single protocol a terminator recorded under {@link WellKnownFacts#TLS_ALPN}.
     */
    static String negotiatedProtocol(Channel ch, Facts facts) {
        SslHandler ssl = ssl(ch);
        if (ssl != null) {
            return ssl.applicationProtocol();
        }
        if (facts.tlsTerminated()) {
            List<String> alpn = facts.get(WellKnownFacts.TLS_ALPN);
            if (alpn != null && alpn.size() == 1) {
                return alpn.get(0);
            }
        }
        return null;
    }

    /**
     * The server name the client sent in its ClientHello (RFC 6066 section 3) on this
     * connection, or null when it sent none or the connection is not TLS terminated here. From
     * the TLS session when the handler is in the pipeline, else {@link WellKnownFacts#TLS_SNI}.
     */
    static String sni(Channel ch, Facts facts) {
        SslHandler ssl = ssl(ch);
        if (ssl != null) {
            SSLSession session = ssl.engine().getSession();
            if (session instanceof ExtendedSSLSession ext) {
                try {
                    for (SNIServerName n : ext.getRequestedServerNames()) {
                        if (n instanceof SNIHostName host) {
                            return host.getAsciiName();
                        }
                    }
                } catch (UnsupportedOperationException e) {
                    // an engine that does not tell: use the fact
                }
            }
        }
        return facts.tlsTerminated() || ssl != null ? facts.get(WellKnownFacts.TLS_SNI) : null;
    }

    /**
     * Whether a Host field (or {@code :authority}) names the same host as the SNI: the port is
     * ignored (SNI carries none, RFC 6066 section 3), letters compare case-insensitively
     * (RFC 4343) and a trailing dot of a fully qualified name is ignored on both sides.
     * An IP literal never matches (SNI never carries one).
     */
    static boolean sameHost(String hostField, String sni) {
        String host = hostField.trim();
        if (host.startsWith("[")) {
            return false;
        }
        int colon = host.lastIndexOf(':');
        int end = colon >= 0 ? colon : host.length();
        if (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        int sniEnd = sni.length();
        if (sniEnd > 0 && sni.charAt(sniEnd - 1) == '.') {
            sniEnd--;
        }
        return end == sniEnd && host.regionMatches(true, 0, sni, 0, end);
    }
}
