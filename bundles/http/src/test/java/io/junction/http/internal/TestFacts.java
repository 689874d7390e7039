package io.junction.http.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/** The core's connection facts, as far as the HTTP mode uses them. Event loop only. */
final class TestFacts implements Facts {
    private InetSocketAddress source;
    private InetSocketAddress destination;
    private final boolean tls;
    private final Map<FactKey<?>, Object> table = new IdentityHashMap<>();

    TestFacts(InetSocketAddress source, InetSocketAddress destination, boolean tls) {
        this.source = new InetSocketAddress(ForwardingHeaders.unmapped(source.getAddress()), source.getPort());
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
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(FactKey<T> key) {
        return (T) table.get(key);
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        table.put(key, value);
    }
}
