package io.junction.matcher.net.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetSocketAddress;

/** Facts with just addresses, for fetch tests. One thread. */
final class TestFacts implements Facts {
    private InetSocketAddress source;
    private InetSocketAddress destination;

    TestFacts(InetSocketAddress source) {
        this.source = source;
        this.destination = new InetSocketAddress(source.getAddress(), 443);
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
        return false;
    }

    @Override
    public boolean inspectionEnded() {
        return false;
    }

    @Override
    public <T> T get(FactKey<T> key) {
        return null;
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        throw new UnsupportedOperationException();
    }
}
