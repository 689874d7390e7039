package io.junction.sniffer.tls.internal;

import io.junction.api.FactKey;
import java.util.List;

/**
 * The facts the TLS sniffer stores for a connection, one key per fetch keyword. Keys are
 * compared by identity (see {@link FactKey}), so these constants are the only way to read them;
 * the compiled fetches of {@link TlsFetch} do that. Every fact is stored together, once, when
 * {@link TlsSniffer#sniff} returns {@link io.junction.api.SniffResult#DONE}; before that (and
 * after NOT_APPLICABLE) none of them is known.
 */
final class TlsFacts {

    /**
     * {@code req.ssl_sni}: the {@code host_name} of the ClientHello's server_name extension
     * (RFC 6066 section 3), exactly as sent (not lower-cased, as HAProxy; use {@code -i}). With
     * Encrypted Client Hello this is the outer ClientHello's name (the client-facing server),
     * the only one a router can read. Absent when the hello carries no host_name or one that is
     * not a plausible DNS name (see {@link ClientHelloParser}).
     */
    static final FactKey<String> SNI = io.junction.api.WellKnownFacts.TLS_SNI;

    /**
     * {@code req.ssl_hello_type}: HAProxy's handshake type of the first handshake message, which
     * for a client's first bytes is always 1 (client_hello): the sniffer reports nothing for any
     * other type.
     */
    static final FactKey<Long> HELLO_TYPE = FactKey.of("req.ssl_hello_type", Long.class);

    /**
     * {@code req.ssl_alpn}: the ALPN protocol names in the client's order (RFC 7301 section 3.1),
     * as an unmodifiable {@code List<String>}. Absent when the hello has no ALPN extension.
     */
    static final FactKey<List<String>> ALPN = io.junction.api.WellKnownFacts.TLS_ALPN;

    /**
     * {@code req.ssl_ver}: {@code (major << 16) | minor}, HAProxy's encoding (TLS 1.2 is 3.3 =
     * 0x30003). See {@link ClientHelloParser} for which version field this is and why.
     */
    static final FactKey<Long> VERSION = FactKey.of("req.ssl_ver", Long.class);

    /** {@code req.ssl_ec_ext}: whether the hello has the supported_groups extension (type 10). */
    static final FactKey<Boolean> EC_EXT = FactKey.of("req.ssl_ec_ext", Boolean.class);

    /** {@code req.ssl_ech}: whether the hello has the encrypted_client_hello extension (0xfe0d). */
    static final FactKey<Boolean> ECH = FactKey.of("req.ssl_ech", Boolean.class);

    private TlsFacts() {
    }
}
