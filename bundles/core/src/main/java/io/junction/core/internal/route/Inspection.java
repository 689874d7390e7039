package io.junction.core.internal.route;

import io.junction.api.Facts;

/**
 * What rule evaluation needs to know about a connection under inspection. Implemented by the
 * connection handler; read on its event loop only.
 */
public interface Inspection {

    Facts facts();

    /** Bit i set: sniffer i of the frontend may still produce facts. */
    long activeSniffers();

    /** Inspection is over (delay elapsed, peek buffer full, client half-closed). */
    boolean ended();
}
