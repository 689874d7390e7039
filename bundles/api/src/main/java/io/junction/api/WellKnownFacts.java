package io.junction.api;

import java.util.List;

/**
 * Facts that more than one plugin needs, so their keys live in the SPI rather than in the
 * bundle that produces them: the TLS sniffer (or a TLS-terminating bind) stores the client's
 * SNI and ALPN here, and a PROXY protocol v2 server option reads them for its TLVs, without
 * either bundle depending on the other.
 */
public final class WellKnownFacts {

    /** The server name the client asked for (TLS SNI, RFC 6066 section 3), as sent. */
    public static final FactKey<String> TLS_SNI = FactKey.of("req.ssl_sni", String.class);

    /** The ALPN protocol names the client offered, in its order (RFC 7301 section 3.1). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final FactKey<List<String>> TLS_ALPN = (FactKey) FactKey.of("req.ssl_alpn", List.class);

    /**
     * The HTTP request line's method (RFC 9112 section 3). Stored per request by the HTTP mode,
     * or for the first request of a TCP connection by the HTTP sniffer; the {@code method}
     * fetch reads it in both modes.
     */
    public static final FactKey<String> HTTP_METHOD = FactKey.of("method", String.class);

    /** The request-target as sent (RFC 9112 section 3.2), e.g. {@code /a/b?c=d}. */
    public static final FactKey<String> HTTP_URI = FactKey.of("url", String.class);

    /** The request's header fields, read-only use by fetches ({@code hdr}, {@code req.hdr}). */
    public static final FactKey<HeaderEditor> HTTP_HEADERS = FactKey.of("hdr", HeaderEditor.class);

    private WellKnownFacts() {
    }
}
