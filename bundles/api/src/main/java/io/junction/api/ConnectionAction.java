package io.junction.api;

import io.netty.channel.Channel;

/**
 * A compiled action of a {@code tcp-request connection ACTION [if|unless COND]} rule, applied
 * at accept when its condition holds (conditions here can only use what is known at accept:
 * addresses and ports). The HAProxy example is
 * {@code tcp-request connection expect-proxy layer4 if { src 10.0.0.0/8 }}: read a PROXY header
 * only from trusted load balancers.
 */
public interface ConnectionAction {

    /**
     * Event loop, at accept, before the core inspects the connection: may add handlers at the
     * head of {@code client}'s pipeline, exactly as {@link BindOption#accepted} does. Must not
     * block.
     */
    void apply(Channel client, Facts facts);

    /** Config time: as {@link BindOption#defersInspection()}. */
    default boolean defersInspection() {
        return false;
    }
}
