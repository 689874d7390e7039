package io.junction.backend.proxy.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/** A map-backed {@link Facts} for tests: keys by identity, as the core's. One thread. */
final class TestFacts implements Facts {
    private final Map<FactKey<?>, Object> facts = new IdentityHashMap<>();
    private InetSocketAddress source;
    private InetSocketAddress destination;
    private boolean tlsTerminated;
    private boolean inspectionEnded;
    int overrides;

    TestFacts() {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 8443));
    }

    TestFacts(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
    }

    static TestFacts of(String source, int sourcePort, String destination, int destinationPort) throws Exception {
        return new TestFacts(new InetSocketAddress(InetAddress.getByName(source), sourcePort),
                new InetSocketAddress(InetAddress.getByName(destination), destinationPort));
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
        overrides++;
    }

    @Override
    public boolean tlsTerminated() {
        return tlsTerminated;
    }

    TestFacts tlsTerminated(boolean value) {
        tlsTerminated = value;
        return this;
    }

    @Override
    public boolean inspectionEnded() {
        return inspectionEnded;
    }

    void endInspection() {
        inspectionEnded = true;
    }

    @Override
    public <T> T get(FactKey<T> key) {
        return key.type().cast(facts.get(key));
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        facts.put(key, key.type().cast(value));
    }
}
