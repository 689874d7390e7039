package io.junction.api;

import java.util.Objects;

/**
 * A typed key under which a sniffer or the core stores one fact about a connection
 * (the SNI, the ALPN list, the HTTP Host). Keys are compared by identity: declare each one
 * once, as a constant, in the bundle that produces the fact.
 *
 * @param <T> the type of the value stored under this key
 */
public final class FactKey<T> {
    private final String name;
    private final Class<T> type;

    private FactKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Config time or class initialisation: declares a key. */
    public static <T> FactKey<T> of(String name, Class<T> type) {
        return new FactKey<>(name, type);
    }

    /** The fact's name, for logs and the shell (usually the fetch keyword, e.g. {@code req.ssl_sni}). */
    public String name() {
        return name;
    }

    /** The type of value stored under this key. */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return name;
    }
}
