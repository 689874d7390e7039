package io.junction.bench;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.InetSocketAddress;

/**
 * A {@link Facts} in two fixed arrays, cleared between operations, so that storing a fact costs
 * no allocation and the benchmarks see only what the parser or the rules allocate. Modelled on
 * the core's ConnectionFacts (a flat identity-compared table), which is package-private.
 * One thread.
 */
final class ArrayFacts implements Facts {
    private final FactKey<?>[] keys = new FactKey<?>[32];
    private final Object[] values = new Object[32];
    private int size;
    private InetSocketAddress source;
    private InetSocketAddress destination;

    ArrayFacts(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
    }

    /** Forgets every fact (keeps the addresses). */
    void clear() {
        for (int i = 0; i < size; i++) {
            values[i] = null;
        }
        size = 0;
    }

    int size() {
        return size;
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
    @SuppressWarnings("unchecked")
    public <T> T get(FactKey<T> key) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                return (T) values[i];
            }
        }
        return null;
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
        keys[size] = key;
        values[size++] = value;
    }
}
