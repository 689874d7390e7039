package io.junction.backend.tls.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Outcome counters of TLS towards servers, one set per provider instance. The core counts the
 * failed connect itself (a handshake failure fails the connect: 503 in HTTP mode, close in TCP
 * mode); these say why. Event loops increment, anyone reads.
 */
final class BackendTlsCounters {
    /** Handshakes with a server that completed (and verified, unless verify none). */
    final LongAdder handshakes = new LongAdder();
    /** The server's certificate did not verify (unknown CA, wrong name, expired). */
    final LongAdder verifyFailed = new LongAdder();
    /** Other handshake failures (no common version or cipher, an alert, a reset, a timeout). */
    final LongAdder handshakeFailed = new LongAdder();
    /** Connections refused before the handshake: no usable server name to send and check. */
    final LongAdder noServerName = new LongAdder();

    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("server_tls_handshakes", handshakes.sum());
        m.put("server_tls_verify_failed", verifyFailed.sum());
        m.put("server_tls_handshake_failed", handshakeFailed.sum());
        m.put("server_tls_no_server_name", noServerName.sum());
        return m;
    }
}
