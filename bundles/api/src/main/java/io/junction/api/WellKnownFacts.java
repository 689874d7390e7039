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

    private WellKnownFacts() {
    }
}
