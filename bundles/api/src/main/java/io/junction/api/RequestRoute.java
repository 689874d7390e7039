package io.junction.api;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;

/**
 * Where one HTTP request goes: a server, or a status to answer without contacting any server.
 * Returned by {@link RequestRouter#route}.
 */
public interface RequestRoute {

    /**
     * A status to answer instead of forwarding (503 when no server takes the request, 403 for
     * {@code http-request deny}), or 0 when {@link #serverId()} is set.
     */
    int status();

    /** {@code backend/server}, stable across reloads for the same server line; the key of a connection pool. */
    String serverId();

    /**
     * Event loop: opens a new connection to the server with every server option applied
     * (transparent bind, PROXY header, TLS), on {@code loop}, with {@code handler} first in its
     * pipeline and auto-read off. The connect timeout applies.
     *
     * @param facts the facts the server options read (the client's addresses, SNI for
     *        {@code sni req.hdr(host)})
     */
    ChannelFuture connect(EventLoop loop, ChannelHandler handler, Facts facts);

    /**
     * Whether a connection opened by {@link #connect} may be kept idle and reused for other
     * clients' requests: false when a server option is
     * {@linkplain ServerOption#clientSpecific() client-specific}.
     */
    default boolean shareable() {
        return true;
    }

    /**
     * Event loop, after {@link #connect} failed: where the next attempt goes (HAProxy's
     * {@code retries} and {@code option redispatch}): this route again (after
     * {@link #retryDelayMillis()}), another server's route, or {@code null} when no attempt is
     * left and the request is answered 503.
     *
     * @param attempt 1 for the first retry
     */
    default RequestRoute retry(Facts request, int attempt) {
        return null;
    }

    /**
     * How long to wait before retrying the same server: HAProxy's turn-around of
     * min({@code timeout connect}, 1 s), so that a restarting server is not hammered.
     */
    default long retryDelayMillis() {
        return 0;
    }
}
