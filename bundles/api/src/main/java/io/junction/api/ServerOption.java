package io.junction.api;

import io.netty.channel.Channel;

/**
 * One compiled option of a {@code server} line ({@code send-proxy}, {@code ssl},
 * {@code source * usesrc client}): what it contributes to each outbound connection.
 *
 * <p>Options compose in {@link #stage()} order: socket-level options first (local bind,
 * transparency), then bytes that must precede everything (a PROXY header), then wrapping
 * (TLS to the server). So a PROXY header goes out in clear before a TLS handshake, as
 * HAProxy does.
 */
public interface ServerOption {

    /** Socket options and local binds, applied before connecting. */
    int STAGE_SOCKET = 100;
    /** Bytes written first on the connection, before any other (PROXY protocol). */
    int STAGE_PREFIX = 200;
    /** Handlers that wrap the stream (TLS towards the server). */
    int STAGE_WRAP = 300;

    /** Config time: where this option goes in the composition, one of the STAGE constants. */
    int stage();

    /**
     * Config time: whether what this option does depends on the client connection (a PROXY
     * header carrying the client's address, a transparent bind to it, an SNI taken from the
     * request). A server connection shaped by such an option belongs to one client: the HTTP
     * mode must not reuse it for another client's requests (PROXY protocol spec, section 2).
     */
    default boolean clientSpecific() {
        return false;
    }

    /**
     * Event loop, before the outbound connect: sets a local address or socket options on
     * {@code request}. Must not block.
     *
     * @throws IllegalStateException when this connection cannot be served as configured (e.g.
     *         a transparent bind for an address family the server does not use); the core
     *         counts it, logs the message and closes the client connection
     */
    default void prepare(ConnectRequest request, Facts facts) {
    }

    /**
     * Event loop, once the outbound TCP connection is established and before any client byte
     * is relayed: may write bytes (which the option allocates and Netty releases on write) and
     * may add handlers to {@code outbound}'s pipeline. Must not block.
     */
    default void connected(Channel outbound, Facts facts) {
    }
}
