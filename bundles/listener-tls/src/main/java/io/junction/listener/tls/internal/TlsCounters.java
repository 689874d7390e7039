package io.junction.listener.tls.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Outcome counters of TLS termination, one set per provider instance (so per bundle
 * activation). Incremented on event loops without contention ({@link LongAdder}); read by tests
 * and logs. The core's own counters (accepted, routed, ...) are kept by the core.
 */
final class TlsCounters {
    /** Handshakes completed; the connection went on to the core's rules. */
    final LongAdder handshakes = new LongAdder();
    /** The client's first bytes were not a TLS record (plain HTTP on a TLS port, a scanner). */
    final LongAdder notTls = new LongAdder();
    /** strict-sni refused the server name (or its absence). */
    final LongAdder strictSniRefused = new LongAdder();
    /** The handshake failed: no common version, cipher or protocol, a bad client certificate. */
    final LongAdder handshakeFailed = new LongAdder();
    /** The client did not finish the handshake in time. */
    final LongAdder handshakeTimeout = new LongAdder();
    /** The client closed (or the socket failed) before the handshake completed. */
    final LongAdder aborted = new LongAdder();
    /** Certificates reloaded from disk. */
    final LongAdder reloads = new LongAdder();
    /** Certificate files changed but did not load; the previous ones stayed. */
    final LongAdder reloadFailures = new LongAdder();

    /** A snapshot for display, by name. Any thread. */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("tls_handshakes", handshakes.sum());
        m.put("tls_not_tls", notTls.sum());
        m.put("tls_strict_sni_refused", strictSniRefused.sum());
        m.put("tls_handshake_failed", handshakeFailed.sum());
        m.put("tls_handshake_timeout", handshakeTimeout.sum());
        m.put("tls_aborted", aborted.sum());
        m.put("tls_reloads", reloads.sum());
        m.put("tls_reload_failures", reloadFailures.sum());
        return m;
    }
}
