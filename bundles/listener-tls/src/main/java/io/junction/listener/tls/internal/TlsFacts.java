package io.junction.listener.tls.internal;

import io.junction.api.FactKey;

/**
 * The facts a terminating bind stores once the client's handshake completed, read by the
 * {@code ssl_fc_*} fetches (HAProxy configuration manual 7.3.4). The SNI and ALPN are also put
 * under {@link io.junction.api.WellKnownFacts} for other bundles (a PROXY v2 header's TLVs).
 */
final class TlsFacts {

    /** {@code ssl_fc_sni}: the server name the client sent in its ClientHello, as sent. */
    static final FactKey<String> SNI = FactKey.of("ssl_fc_sni", String.class);

    /** {@code ssl_fc_alpn}: the ALPN protocol negotiated (RFC 7301 section 3.2), absent when none was. */
    static final FactKey<String> ALPN = FactKey.of("ssl_fc_alpn", String.class);

    /** {@code ssl_fc_protocol}: the negotiated version, e.g. {@code TLSv1.3}, {@code TLSv1.2}. */
    static final FactKey<String> PROTOCOL = FactKey.of("ssl_fc_protocol", String.class);

    private TlsFacts() {
    }
}
