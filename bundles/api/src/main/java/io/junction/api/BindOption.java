package io.junction.api;

import io.netty.channel.Channel;

/**
 * One compiled option of a {@code bind} line ({@code accept-proxy}, {@code ssl crt FILE},
 * {@code v6only}, {@code transparent}).
 */
public interface BindOption {

    /** Config time: sets options on the listening socket before it binds. */
    default void prepare(BindRequest request) {
    }

    /**
     * Event loop, as soon as a connection is accepted and before the core inspects it: may add
     * handlers at the head of {@code client}'s pipeline (a PROXY header decoder that calls
     * {@link Facts#overrideAddresses}, a TLS server handler). Such a handler passes on only
     * bytes of the inner stream; the core's inspection sees those. Must not block.
     */
    default void accepted(Channel client, Facts facts) {
    }

    /**
     * Config time: whether the handler this option installs must finish before rules are
     * evaluated (a PROXY header decoder, a TLS handshake). Such a handler fires
     * {@link InspectionReady#INSTANCE} once done; if it never does, the connection is decided
     * with what is known when the inspect delay elapses.
     */
    default boolean defersInspection() {
        return false;
    }

    /** Config time: whether this option terminates TLS on the listener ({@code ssl_fc} true). */
    default boolean terminatesTls() {
        return false;
    }
}
