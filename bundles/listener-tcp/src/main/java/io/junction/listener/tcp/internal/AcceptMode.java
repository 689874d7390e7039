package io.junction.listener.tcp.internal;

import java.util.Locale;

/**
 * How listening sockets accept connections: setting {@code junction.accept}.
 *
 * <p>{@link #PER_LOOP}: every worker event loop has a listening socket of its own on the address
 * (SO_REUSEPORT) and serves the connections it accepts; no thread hand-off per connection. Like
 * HAProxy's default ({@code bind ... shards by-thread} with SO_REUSEPORT). Needs epoll or io_uring;
 * on NIO it falls back to {@link #SHARED}. As with HAProxy, SO_REUSEPORT lets another process of
 * the same user bind the same port and share its connections: two routers started on one port
 * split the traffic instead of the second failing with "address in use".
 *
 * <p>{@link #SHARED}: one accept loop owns the only listening socket and hands every connection
 * to the next worker loop; a second process on the port fails to bind.
 */
enum AcceptMode {
    PER_LOOP("per-loop"),
    SHARED("shared");

    /** The setting's name (framework property or component configuration). */
    static final String SETTING = "junction.accept";

    private final String configName;

    AcceptMode(String configName) {
        this.configName = configName;
    }

    String configName() {
        return configName;
    }

    /**
     * Config time: the mode {@code value} names; {@link #PER_LOOP} when unset.
     *
     * @throws IllegalArgumentException for any other value, naming the valid ones
     */
    static AcceptMode parse(String value) {
        if (value == null || value.isBlank()) {
            return PER_LOOP;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (AcceptMode m : values()) {
            if (m.configName.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(SETTING + "='" + value + "' is neither per-loop nor shared");
    }
}
