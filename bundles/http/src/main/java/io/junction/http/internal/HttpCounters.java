package io.junction.http.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Outcome counters of the HTTP mode, one {@link LongAdder} per outcome: every event loop adds
 * to them without contention, and a reader (a log line, a future metrics bundle) sums them.
 * Shared by every connection of the component.
 */
public final class HttpCounters {
    /** Requests whose head was received and parsed (well-formed or not). */
    final LongAdder requests = new LongAdder();
    /** Requests sent to a server. */
    final LongAdder forwarded = new LongAdder();
    /** Requests answered with the status a rule chose ({@code deny}), not 503. */
    final LongAdder denied = new LongAdder();
    /** Requests no server took: 503 without contacting any. */
    final LongAdder noServer = new LongAdder();
    /** Malformed requests and smuggling shapes: 400, connection closed. */
    final LongAdder badRequest = new LongAdder();
    /** Request lines over the limit: 414. */
    final LongAdder uriTooLong = new LongAdder();
    /** Header sections over the limit: 431. */
    final LongAdder headersTooLarge = new LongAdder();
    /** HTTP versions other than 1.x: 505. */
    final LongAdder versionNotSupported = new LongAdder();
    /** Request heads not complete within {@code timeout http-request}: 408. */
    final LongAdder requestTimeout = new LongAdder();
    /** Keep-alive connections closed after {@code timeout http-keep-alive} without a new request. */
    final LongAdder keepAliveTimeout = new LongAdder();
    /** Clients that went away or stalled ({@code timeout client}) in the middle of an exchange. */
    final LongAdder clientAborted = new LongAdder();
    /** Connections to servers that could not be opened: 503. */
    final LongAdder connectFailed = new LongAdder();
    /** Connects attempted again after a failure (retries, option redispatch). */
    final LongAdder connectRetries = new LongAdder();
    /** Servers that closed or answered garbage before a complete response head: 502. */
    final LongAdder badGateway = new LongAdder();
    /** Servers that closed or broke the framing in the middle of a response: client closed. */
    final LongAdder serverAborted = new LongAdder();
    /** {@code timeout server} before a response head: 504. */
    final LongAdder gatewayTimeout = new LongAdder();
    /** {@code timeout server} in the middle of a response: client closed. */
    final LongAdder serverTimeoutMidResponse = new LongAdder();
    /** Exchanges that switched to a tunnel (101 upgrade, CONNECT). */
    final LongAdder upgraded = new LongAdder();
    /** New server connections opened. */
    final LongAdder serverConnectionsOpened = new LongAdder();
    /** Requests sent on an idle pooled server connection. */
    final LongAdder serverConnectionsReused = new LongAdder();
    /** Requests sent again on a new connection because a reused one closed before answering. */
    final LongAdder retried = new LongAdder();
    /** A router or plugin threw while routing a request: 500. */
    final LongAdder internalError = new LongAdder();
    /**
     * Requests for a host other than the TLS server name of their connection: 421 (an HTTP/2
     * connection coalesced by the client, or {@code option strict-sni-host}).
     */
    final LongAdder misdirected = new LongAdder();
    /** Client connections that negotiated HTTP/2 (ALPN h2). */
    final LongAdder h2Connections = new LongAdder();
    /** HTTP/2 streams opened by clients (each carries one request). */
    final LongAdder h2Streams = new LongAdder();

    /** Any thread: a consistent-enough snapshot (each adder summed once), in a stable order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("requests", requests.sum());
        m.put("forwarded", forwarded.sum());
        m.put("denied", denied.sum());
        m.put("no_server", noServer.sum());
        m.put("bad_request", badRequest.sum());
        m.put("uri_too_long", uriTooLong.sum());
        m.put("headers_too_large", headersTooLarge.sum());
        m.put("version_not_supported", versionNotSupported.sum());
        m.put("request_timeout", requestTimeout.sum());
        m.put("keep_alive_timeout", keepAliveTimeout.sum());
        m.put("client_aborted", clientAborted.sum());
        m.put("connect_failed", connectFailed.sum());
        m.put("bad_gateway", badGateway.sum());
        m.put("server_aborted", serverAborted.sum());
        m.put("gateway_timeout", gatewayTimeout.sum());
        m.put("server_timeout_mid_response", serverTimeoutMidResponse.sum());
        m.put("upgraded", upgraded.sum());
        m.put("server_connections_opened", serverConnectionsOpened.sum());
        m.put("server_connections_reused", serverConnectionsReused.sum());
        m.put("retried", retried.sum());
        m.put("internal_error", internalError.sum());
        m.put("misdirected", misdirected.sum());
        m.put("h2_connections", h2Connections.sum());
        m.put("h2_streams", h2Streams.sum());
        return m;
    }
}
