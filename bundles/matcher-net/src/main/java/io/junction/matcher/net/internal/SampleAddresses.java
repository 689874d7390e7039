package io.junction.matcher.net.internal;

import io.netty.util.concurrent.FastThreadLocal;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Reads the bits of an {@link InetAddress} sample without allocating, for matchers and fetches
 * that run on the event loop.
 *
 * <p><b>IPv4.</b> {@link InetAddress#getAddress()} returns a fresh copy of the bytes, one
 * allocation per call. {@link Inet4Address#hashCode()} returns the address itself as an int (the
 * four bytes, big-endian) in OpenJDK and every JDK derived from it; that is checked once, at class
 * initialisation, and if a JDK ever differs we fall back to {@code getAddress()} (correct, but
 * allocating).
 *
 * <p><b>IPv6.</b> No allocation-free accessor exists ({@code hashCode()} is a digest, not the
 * address; the bytes are in a private holder). So each event loop keeps a one-entry cache: the
 * last {@link Inet6Address} instance it decoded and its two longs. A connection's address object
 * is the same instance for every rule evaluated on it ({@code Facts.source()} returns the same
 * {@code InetSocketAddress}), so a connection pays one 16-byte copy on its first IPv6 match and
 * nothing on the following ones; IPv4 connections never pay. We chose this over reflection into
 * {@code java.net} (closed to us without {@code --add-opens}, and fragile in OSGi) and over
 * changing the sample type of the SPI.
 */
final class SampleAddresses {

    /** Whether {@code Inet4Address.hashCode()} is the address (checked, never assumed). */
    static final boolean V4_HASHCODE_IS_ADDRESS = checkV4HashCode();

    private static final FastThreadLocal<V6> LAST_V6 = new FastThreadLocal<>() {
        @Override
        protected V6 initialValue() {
            return new V6();
        }
    };

    private SampleAddresses() {
    }

    /** The decoded bits of one IPv6 address; per-thread scratch, valid until the next call. */
    static final class V6 {
        private Inet6Address last;
        long hi;
        long lo;

        /** Whether this is an IPv4-mapped address, {@code ::ffff:a.b.c.d} (RFC 4291 section 2.5.5.2). */
        boolean isV4Mapped() {
            return hi == 0 && (lo >>> 32) == 0xFFFFL;
        }

        /** The embedded IPv4 address of an IPv4-mapped address. */
        int mappedV4() {
            return (int) lo;
        }
    }

    /**
     * Any thread, does not block: the IPv4 address as an int (first byte in the high bits).
     * Allocation-free when {@link #V4_HASHCODE_IS_ADDRESS}.
     */
    static int v4(Inet4Address address) {
        if (V4_HASHCODE_IS_ADDRESS) {
            return address.hashCode();
        }
        byte[] b = address.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /**
     * Any thread (an event loop in practice), does not block: the address's bits in this
     * thread's scratch object, which the next call on the same thread overwrites. Allocates a
     * 16-byte copy only when {@code address} is not the instance decoded last on this thread.
     */
    static V6 v6(Inet6Address address) {
        V6 v = LAST_V6.get();
        if (v.last != address) {
            byte[] b = address.getAddress();
            v.hi = bytesToLong(b, 0);
            v.lo = bytesToLong(b, 8);
            v.last = address;
        }
        return v;
    }

    /** Big-endian long from 8 bytes at {@code offset}. */
    static long bytesToLong(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[offset + i] & 0xFFL);
        }
        return v;
    }

    private static boolean checkV4HashCode() {
        try {
            int[][] probes = {{1, 2, 3, 4}, {255, 255, 255, 255}, {0, 0, 0, 0}, {192, 0, 2, 77}, {128, 0, 0, 1}};
            for (int[] p : probes) {
                InetAddress a = InetAddress.getByAddress(new byte[] {(byte) p[0], (byte) p[1], (byte) p[2], (byte) p[3]});
                int expected = (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
                if (!(a instanceof Inet4Address) || a.hashCode() != expected) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
