package io.junction.api;

import java.net.InetSocketAddress;

/**
 * What is known about one client connection: its addresses and the facts that sniffers have
 * read from its first bytes. One instance per connection, owned by the core.
 *
 * <p><b>Threads:</b> every method is called on the connection's event loop only; an
 * implementation is not thread-safe and need not be. No method blocks.
 */
public interface Facts {

    /**
     * The client's address: the socket's remote address, or the one an accepted PROXY header
     * carried. Never an IPv4-mapped IPv6 address: an IPv4 client on a dual-stack socket is
     * reported as an {@link java.net.Inet4Address}.
     */
    InetSocketAddress source();

    /** The address the client connected to (or the PROXY header's destination). */
    InetSocketAddress destination();

    /**
     * Replaces the connection's addresses, for a bind option that decoded a trusted PROXY
     * header. Every later rule, header, log line and outbound bind sees the new addresses.
     */
    void overrideAddresses(InetSocketAddress source, InetSocketAddress destination);

    /** Whether the connection arrived over TLS that this router terminated ({@code ssl_fc}). */
    boolean tlsTerminated();

    /**
     * Whether inspection is over: the inspect delay elapsed, the peek buffer filled, or the
     * client closed its side. HAProxy's {@code WAIT_END}. Once true, rules must decide with
     * what is known.
     */
    boolean inspectionEnded();

    /** The value stored under {@code key}, or {@code null} when that fact is unknown. */
    <T> T get(FactKey<T> key);

    /**
     * Stores a fact. A later put under the same key replaces the value.
     *
     * @throws IllegalStateException when the connection already holds the maximum number of
     *         facts (bounded, so a misbehaving plugin cannot grow it without limit)
     */
    <T> void put(FactKey<T> key, T value);
}
