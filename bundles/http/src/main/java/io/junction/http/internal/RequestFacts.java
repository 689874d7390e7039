package io.junction.http.internal;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.HeaderEditor;
import io.junction.api.WellKnownFacts;
import java.net.InetSocketAddress;

/**
 * The facts of one request: the connection's facts (addresses, {@code ssl_fc}, TLS facts) plus
 * this request's method, target and headers under {@link WellKnownFacts#HTTP_METHOD},
 * {@link WellKnownFacts#HTTP_URI} and {@link WellKnownFacts#HTTP_HEADERS}, where the HTTP
 * fetches ({@code hdr}, {@code path}, {@code method}...) read them. Facts that plugins put while
 * a request is routed stay with that request (a small bounded table, emptied for the next one),
 * so one request cannot leave facts behind for the next. One instance per client connection,
 * reset per request. Event loop only.
 */
final class RequestFacts implements Facts {

    /** Facts a plugin may add per request; more is a plugin bug, as in the core's table. */
    static final int MAX_REQUEST_FACTS = 8;

    private final Facts connection;
    private String method;
    private String uri;
    private HeaderEditor headers;
    private final Object[] table = new Object[2 * MAX_REQUEST_FACTS];
    private int size;

    RequestFacts(Facts connection) {
        this.connection = connection;
    }

    /** Event loop: a new request. */
    RequestFacts reset(String method, String uri, HeaderEditor headers) {
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        for (int i = 0; i < 2 * size; i++) {
            table[i] = null;
        }
        size = 0;
        return this;
    }

    /** Event loop: the connection's client address (never IPv4-mapped). */
    @Override
    public InetSocketAddress source() {
        return connection.source();
    }

    /** Event loop: the address the client connected to. */
    @Override
    public InetSocketAddress destination() {
        return connection.destination();
    }

    /** Event loop: changes the connection's addresses (not only this request's). */
    @Override
    public void overrideAddresses(InetSocketAddress source, InetSocketAddress destination) {
        connection.overrideAddresses(source, destination);
    }

    /** Event loop: {@code ssl_fc} of the connection. */
    @Override
    public boolean tlsTerminated() {
        return connection.tlsTerminated();
    }

    /** A request is routed once its head is complete: nothing more will be learnt. */
    @Override
    public boolean inspectionEnded() {
        return true;
    }

    /** Event loop: this request's method, target and headers, then facts put for this request, then the connection's. Allocates nothing. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(FactKey<T> key) {
        if (key == WellKnownFacts.HTTP_HEADERS) {
            return (T) headers;
        }
        if (key == WellKnownFacts.HTTP_METHOD) {
            return (T) method;
        }
        if (key == WellKnownFacts.HTTP_URI) {
            return (T) uri;
        }
        for (int i = 0; i < size; i++) {
            if (table[2 * i] == key) {
                return (T) table[2 * i + 1];
            }
        }
        return connection.get(key);
    }

    /** Event loop: stores a fact for this request only. */
    @Override
    public <T> void put(FactKey<T> key, T value) {
        if (key == WellKnownFacts.HTTP_HEADERS) {
            headers = (HeaderEditor) value;
            return;
        }
        if (key == WellKnownFacts.HTTP_METHOD) {
            method = (String) value;
            return;
        }
        if (key == WellKnownFacts.HTTP_URI) {
            uri = (String) value;
            return;
        }
        for (int i = 0; i < size; i++) {
            if (table[2 * i] == key) {
                table[2 * i + 1] = value;
                return;
            }
        }
        if (size == MAX_REQUEST_FACTS) {
            throw new IllegalStateException("more than " + MAX_REQUEST_FACTS + " facts on one request (last: " + key + ")");
        }
        table[2 * size] = key;
        table[2 * size + 1] = value;
        size++;
    }
}
