package io.junction.core.internal.route;

/** {@code balance} algorithms (HAProxy manual 4.2 "balance"). */
public enum Balance {
    /** Weighted round robin (also {@code static-rr}). */
    ROUNDROBIN,
    /** The server with the fewest connections relative to its weight. */
    LEASTCONN,
    /** A hash of the client's address, so a client keeps its server while the set of up servers is stable. */
    SOURCE
}
