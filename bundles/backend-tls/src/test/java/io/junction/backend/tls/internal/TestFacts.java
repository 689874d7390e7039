package io.junction.backend.tls.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/** A plain {@link Facts} for tests; the core's is not reachable from a plugin. */
final class TestFacts implements Facts {
    private InetSocketAddress source;
    private InetSocketAddress destination;
    private final boolean tls;
    private final Map<FactKey<?>, Object> map = new HashMap<>();

    TestFacts(InetSocketAddress source, InetSocketAddress destination, boolean tls) {
        this.source = source;
        this.destination = destination;
        this.tls = tls;
    }

    @Override
    public InetSocketAddress source() {
        return source;
    }

    @Override
    public InetSocketAddress destination() {
        return destination;
    }

    @Override
    public void overrideAddresses(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
    }

    @Override
    public boolean tlsTerminated() {
        return tls;
    }

    @Override
    public boolean inspectionEnded() {
        return false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T> T get(FactKey<T> key) {
        return (T) map.get(key);
    }

    @Override
    public synchronized <T> void put(FactKey<T> key, T value) {
        map.put(key, value);
    }
}
