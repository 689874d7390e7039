package io.junction.core.internal.net;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;

/**
 * The core's {@link Facts}: addresses plus a small bounded table of sniffed facts. Keys are
 * compared by identity and the table is a flat array, so a lookup is a short scan with no
 * hashing and no allocation. Event loop only.
 */
final class ConnectionFacts implements Facts {

    /** A connection rarely has more than a handful of facts; a plugin adding more is a bug. */
    static final int MAX_FACTS = 32;

    private InetSocketAddress source;
    private InetSocketAddress destination;
    private final boolean tlsTerminated;
    private boolean inspectionEnded;
    private Object[] table;
    private int size;

    ConnectionFacts(SocketAddress source, SocketAddress destination, boolean tlsTerminated) {
        this.source = unmapped(source);
        this.destination = unmapped(destination);
        this.tlsTerminated = tlsTerminated;
    }

    /**
     * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}, RFC 4291 section 2.5.5.2) must never
     * reach rules, headers, logs or outbound binds: an IPv4 client on a dual-stack socket is an
     * IPv4 client. The JDK usually returns an Inet4Address already; this makes it certain.
     */
    static InetSocketAddress unmapped(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet)) {
            return new InetSocketAddress(0);
        }
        InetAddress a = inet.getAddress();
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return new InetSocketAddress(Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}),
                            inet.getPort());
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return inet;
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
        this.source = unmapped(source);
        this.destination = unmapped(destination);
    }

    @Override
    public boolean tlsTerminated() {
        return tlsTerminated;
    }

    @Override
    public boolean inspectionEnded() {
        return inspectionEnded;
    }

    void endInspection() {
        inspectionEnded = true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(FactKey<T> key) {
        Object[] t = table;
        for (int i = 0; i < size; i++) {
            if (t[2 * i] == key) {
                return (T) t[2 * i + 1];
            }
        }
        return null;
    }

    @Override
    public <T> void put(FactKey<T> key, T value) {
        for (int i = 0; i < size; i++) {
            if (table[2 * i] == key) {
                table[2 * i + 1] = value;
                return;
            }
        }
        if (size == MAX_FACTS) {
            throw new IllegalStateException("more than " + MAX_FACTS + " facts on one connection (last: " + key + ")");
        }
        if (table == null) {
            table = new Object[16];
        } else if (table.length == 2 * size) {
            table = java.util.Arrays.copyOf(table, table.length * 2);
        }
        table[2 * size] = key;
        table[2 * size + 1] = value;
        size++;
    }
}
