package io.junction.sniffer.http.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/** A map-backed {@link Facts} for tests: keys by identity, as the core's. One thread. */
final class MapFacts implements Facts {
    private final Map<FactKey<?>, Object> facts = new IdentityHashMap<>();
    private InetSocketAddress source = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    private InetSocketAddress destination = new InetSocketAddress(InetAddress.getLoopbackAddress(), 443);

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
        return false;
    }

    @Override
    public boolean inspectionEnded() {
        return false;
    }

    @Override
    public <T> T get(FactKey<T> key) {
        return key.type().cast(facts.get(key));
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        facts.put(key, key.type().cast(value));
    }

    boolean isEmpty() {
        return facts.isEmpty();
    }

    int size() {
        return facts.size();
    }

    @Override
    public String toString() {
        return facts.toString();
    }
}
