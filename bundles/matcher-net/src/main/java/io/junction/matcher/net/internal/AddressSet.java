package io.junction.matcher.net.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable set of IPv4 and IPv6 addresses, stored as sorted, disjoint ranges per family so
 * that a lookup is a binary search over primitive arrays: no allocation, no boxing, no hashing,
 * O(log n) for lists of thousands of networks (a {@code -f} file). IPv4 and IPv6 live in
 * separate tables and are never compared with each other.
 *
 * <p>IPv4 addresses are unsigned 32-bit values held in {@code long}s. IPv6 addresses are 128-bit
 * values held as two {@code long}s, the high and the low 64 bits, compared unsigned.
 *
 * <p>Thread-safe once built: the arrays are never written after construction and the instance
 * is published through final fields.
 */
final class AddressSet {

    /** The empty set: matches nothing. */
    static final AddressSet EMPTY = new Builder().build();

    private final long[] v4Start;
    private final long[] v4End;
    private final long[] v6StartHi;
    private final long[] v6StartLo;
    private final long[] v6EndHi;
    private final long[] v6EndLo;

    private AddressSet(long[] v4Start, long[] v4End, long[] v6StartHi, long[] v6StartLo, long[] v6EndHi,
            long[] v6EndLo) {
        this.v4Start = v4Start;
        this.v4End = v4End;
        this.v6StartHi = v6StartHi;
        this.v6StartLo = v6StartLo;
        this.v6EndHi = v6EndHi;
        this.v6EndLo = v6EndLo;
    }

    /** Any thread: whether the IPv4 address (as the int of its four bytes, big-endian) is in the set. */
    boolean containsV4(int address) {
        long a = address & 0xFFFF_FFFFL;
        // Last range starting at or before a: the ranges are disjoint, so it is the only candidate.
        int lo = 0;
        int hi = v4Start.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (v4Start[mid] <= a) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found >= 0 && a <= v4End[found];
    }

    /** Any thread: whether the IPv6 address given as its high and low 64 bits is in the set. */
    boolean containsV6(long addrHi, long addrLo) {
        int lo = 0;
        int hi = v6StartHi.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(v6StartHi[mid], v6StartLo[mid], addrHi, addrLo) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found >= 0 && compare(addrHi, addrLo, v6EndHi[found], v6EndLo[found]) <= 0;
    }

    /** Whether the set holds no IPv4 address (so IPv4 samples can be rejected at once). */
    boolean hasV4() {
        return v4Start.length > 0;
    }

    /** Whether the set holds no IPv6 address. */
    boolean hasV6() {
        return v6StartHi.length > 0;
    }

    /** Number of disjoint IPv4 ranges, for tests and logs. */
    int v4Ranges() {
        return v4Start.length;
    }

    /** Number of disjoint IPv6 ranges, for tests and logs. */
    int v6Ranges() {
        return v6StartHi.length;
    }

    /** Unsigned comparison of two 128-bit values. */
    static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** The network mask of an IPv4 prefix of {@code length} bits (0..32) as an unsigned long. */
    static long v4Mask(int length) {
        return length == 0 ? 0L : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
    }

    /** High 64 bits of the mask of an IPv6 prefix of {@code length} bits (0..128). */
    static long v6MaskHi(int length) {
        if (length >= 64) {
            return -1L;
        }
        return length == 0 ? 0L : -1L << (64 - length);
    }

    /** Low 64 bits of the mask of an IPv6 prefix of {@code length} bits (0..128). */
    static long v6MaskLo(int length) {
        if (length <= 64) {
            return 0L;
        }
        return length == 128 ? -1L : -1L << (128 - length);
    }

    /**
     * Collects networks at config time, then sorts and merges them into an {@link AddressSet}.
     * Not thread-safe; allocates freely.
     */
    static final class Builder {
        private final List<long[]> v4 = new ArrayList<>();
        private final List<long[]> v6 = new ArrayList<>();

        /** Adds the IPv4 network {@code address/length}; host bits below the mask are ignored. */
        Builder addV4(int address, int length) {
            long mask = v4Mask(length);
            long start = (address & 0xFFFF_FFFFL) & mask;
            long end = start | (~mask & 0xFFFF_FFFFL);
            v4.add(new long[] {start, end});
            return this;
        }

        /** Adds the IPv6 network {@code (hi,lo)/length}; host bits below the mask are ignored. */
        Builder addV6(long hi, long lo, int length) {
            long maskHi = v6MaskHi(length);
            long maskLo = v6MaskLo(length);
            long startHi = hi & maskHi;
            long startLo = lo & maskLo;
            v6.add(new long[] {startHi, startLo, startHi | ~maskHi, startLo | ~maskLo});
            return this;
        }

        AddressSet build() {
            // IPv4: sort by start, then merge overlapping ranges so that they are disjoint.
            v4.sort(Comparator.comparingLong(r -> r[0]));
            List<long[]> merged4 = new ArrayList<>();
            for (long[] r : v4) {
                long[] last = merged4.isEmpty() ? null : merged4.get(merged4.size() - 1);
                if (last != null && r[0] <= last[1]) {
                    last[1] = Math.max(last[1], r[1]);
                } else {
                    merged4.add(new long[] {r[0], r[1]});
                }
            }
            v6.sort((a, b) -> compare(a[0], a[1], b[0], b[1]));
            List<long[]> merged6 = new ArrayList<>();
            for (long[] r : v6) {
                long[] last = merged6.isEmpty() ? null : merged6.get(merged6.size() - 1);
                if (last != null && compare(r[0], r[1], last[2], last[3]) <= 0) {
                    if (compare(r[2], r[3], last[2], last[3]) > 0) {
                        last[2] = r[2];
                        last[3] = r[3];
                    }
                } else {
                    merged6.add(new long[] {r[0], r[1], r[2], r[3]});
                }
            }
            long[] s4 = new long[merged4.size()];
            long[] e4 = new long[merged4.size()];
            for (int i = 0; i < s4.length; i++) {
                s4[i] = merged4.get(i)[0];
                e4[i] = merged4.get(i)[1];
            }
            long[] sh = new long[merged6.size()];
            long[] sl = new long[merged6.size()];
            long[] eh = new long[merged6.size()];
            long[] el = new long[merged6.size()];
            for (int i = 0; i < sh.length; i++) {
                long[] r = merged6.get(i);
                sh[i] = r[0];
                sl[i] = r[1];
                eh[i] = r[2];
                el[i] = r[3];
            }
            return new AddressSet(s4, e4, sh, sl, eh, el);
        }
    }
}
