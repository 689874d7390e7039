package io.junction.core.internal.route;

/**
 * Outcomes of routing a connection other than a {@link ServerTarget}. Shared constants.
 */
public enum Decision {
    /** A rule is undecided: wait for more bytes or for the end of inspection. */
    WAIT,
    /** A {@code tcp-request content reject} matched: close the connection. */
    REJECT,
    /** No rule and no server took the connection: close it (503 in HTTP mode). */
    NO_SERVER
}
