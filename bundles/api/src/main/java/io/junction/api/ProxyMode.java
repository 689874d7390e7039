package io.junction.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Serves a proxy {@code mode} other than {@code tcp}: today {@code http}, where every request
 * on a client connection is routed on its own. Register with {@value #MODES}.
 *
 * <p>The core accepts the connection, applies bind options and {@code tcp-request connection}
 * rules, waits for inspection gates (PROXY header, TLS handshake), then removes its own handler
 * and hands the connection over. From then on the mode owns the client channel; it asks the
 * {@link RequestRouter} where each request goes.
 */
public interface ProxyMode {

    /** Service property (String or String[]): the modes served, e.g. {@code http}. */
    String MODES = "junction.mode";

    /**
     * Event loop of {@code client}: takes the connection over. Auto-read is on. Must not block.
     *
     * @param initial bytes the core already read from the client (possibly empty), which the
     *        mode must process first; ownership passes to the mode, which releases it
     * @param facts the connection's facts (addresses, {@code ssl_fc}, TLS facts)
     * @param router this frontend's compiled rules; valid for the whole connection even if the
     *        configuration is reloaded meanwhile (a connection keeps the routes it was accepted with)
     */
    void serve(Channel client, ByteBuf initial, Facts facts, RequestRouter router);
}
