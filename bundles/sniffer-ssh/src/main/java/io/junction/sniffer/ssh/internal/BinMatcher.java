package io.junction.sniffer.ssh.internal;

import io.junction.api.Matcher;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * {@code -m bin}: the sample's bytes equal one of the patterns exactly (HAProxy's
 * {@code pat_match_bin}: same length, same bytes; no prefix match, no case folding).
 *
 * <p>Samples: a {@link ByteBuf} (BINARY), its readable bytes read with absolute indexes, so the
 * view's indexes stay untouched and it is neither retained nor released; a {@link CharSequence}
 * (STRING), one char per byte (ISO-8859-1; a char above U+00FF equals no byte); a {@link List} of
 * either matches when any element does. Anything else never matches.
 *
 * <p>Up to {@value #LINEAR_MAX} patterns are compared one by one (length first, the cheap
 * reject); more go into an open-addressing hash table built at compile time, so a match costs one
 * hash of the sample and one or two comparisons. Immutable; shared by every event loop.
 */
final class BinMatcher implements Matcher {

    static final int LINEAR_MAX = 8;

    private final byte[][] patterns;
    /** Power-of-two table of patterns by hash, null when linear; holes are null. */
    private final byte[][] table;
    private final int[] tableHashes;

    /** Config time: patterns already decoded from hex. */
    BinMatcher(byte[][] patterns) {
        this.patterns = patterns;
        if (patterns.length <= LINEAR_MAX) {
            table = null;
            tableHashes = null;
            return;
        }
        int size = Integer.highestOneBit(patterns.length * 2 - 1) << 1; // load factor <= 1/2
        table = new byte[size][];
        tableHashes = new int[size];
        for (byte[] p : patterns) {
            int h = hash(p);
            int i = h & (size - 1);
            boolean duplicate = false;
            while (table[i] != null) {
                if (Arrays.equals(table[i], p)) {
                    duplicate = true;
                    break;
                }
                i = (i + 1) & (size - 1);
            }
            if (!duplicate) {
                table[i] = p;
                tableHashes[i] = h;
            }
        }
    }

    /**
     * Event loop: whether {@code sample} equals a pattern. Does not block, allocates nothing
     * (for a List, nothing when it is {@link RandomAccess}), never retains or releases a buffer.
     */
    @Override
    public boolean matches(Object sample) {
        if (sample instanceof List) {
            List<?> list = (List<?>) sample;
            if (list instanceof RandomAccess) {
                for (int i = 0, n = list.size(); i < n; i++) {
                    if (matchesOne(list.get(i))) {
                        return true;
                    }
                }
                return false;
            }
            for (Object o : list) {
                if (matchesOne(o)) {
                    return true;
                }
            }
            return false;
        }
        return matchesOne(sample);
    }

    private boolean matchesOne(Object sample) {
        if (sample instanceof ByteBuf) {
            return matchesBytes((ByteBuf) sample);
        }
        if (sample instanceof CharSequence) {
            return matchesChars((CharSequence) sample);
        }
        return false;
    }

    private boolean matchesBytes(ByteBuf b) {
        int base = b.readerIndex();
        int n = b.readableBytes();
        if (table == null) {
            for (byte[] p : patterns) {
                if (p.length == n && equalBytes(b, base, p)) {
                    return true;
                }
            }
            return false;
        }
        int h = 0;
        for (int i = 0; i < n; i++) {
            h = 31 * h + (b.getByte(base + i) & 0xFF);
        }
        int mask = table.length - 1;
        for (int i = h & mask; table[i] != null; i = (i + 1) & mask) {
            byte[] p = table[i];
            if (tableHashes[i] == h && p.length == n && equalBytes(b, base, p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalBytes(ByteBuf b, int base, byte[] p) {
        for (int i = 0; i < p.length; i++) {
            if (b.getByte(base + i) != p[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean matchesChars(CharSequence s) {
        int n = s.length();
        int h = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                return false; // no byte equals it, so no pattern can
            }
            h = 31 * h + c;
        }
        if (table == null) {
            for (byte[] p : patterns) {
                if (p.length == n && equalChars(s, p)) {
                    return true;
                }
            }
            return false;
        }
        int mask = table.length - 1;
        for (int i = h & mask; table[i] != null; i = (i + 1) & mask) {
            byte[] p = table[i];
            if (tableHashes[i] == h && p.length == n && equalChars(s, p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalChars(CharSequence s, byte[] p) {
        for (int i = 0; i < p.length; i++) {
            if (s.charAt(i) != (p[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** Config time: the same hash as computed over a sample's bytes or chars. */
    private static int hash(byte[] p) {
        int h = 0;
        for (byte b : p) {
            h = 31 * h + (b & 0xFF);
        }
        return h;
    }
}
