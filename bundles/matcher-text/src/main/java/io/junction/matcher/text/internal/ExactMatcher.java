package io.junction.matcher.text.internal;

/**
 * {@code -m str}: the sample equals one of the patterns. Up to {@value #LINEAR_MAX} patterns
 * are compared one by one (length first, the cheap reject); more, e.g. a list of hostnames, go
 * into an open-addressing hash table built at compile time, so a match costs one hash of the
 * sample and one or two comparisons whatever the number of patterns. The sample is hashed char
 * by char, folded for {@code -i}, so no String is built.
 */
final class ExactMatcher extends TextMatcher {
    static final int LINEAR_MAX = 8;

    private final String[] patterns;
    private final boolean ignoreCase;
    /** Power-of-two table of patterns by hash, null when linear; holes are null. */
    private final String[] table;
    private final int[] tableHashes;

    /** Config time. @param patterns folded when {@code ignoreCase} */
    ExactMatcher(String[] patterns, boolean ignoreCase) {
        this.patterns = patterns;
        this.ignoreCase = ignoreCase;
        if (patterns.length <= LINEAR_MAX) {
            table = null;
            tableHashes = null;
            return;
        }
        int size = Integer.highestOneBit(patterns.length * 2 - 1) << 1; // load factor <= 1/2
        table = new String[size];
        tableHashes = new int[size];
        for (String p : patterns) {
            int h = Ascii.hash(p, false); // already folded
            int i = h & (size - 1);
            while (table[i] != null) {
                if (table[i].equals(p)) {
                    break; // duplicate pattern
                }
                i = (i + 1) & (size - 1);
            }
            table[i] = p;
            tableHashes[i] = h;
        }
    }

    @Override
    boolean test(CharSequence s) {
        int n = s.length();
        if (table == null) {
            for (String p : patterns) {
                if (p.length() == n && Ascii.regionMatches(s, 0, p, ignoreCase)) {
                    return true;
                }
            }
            return false;
        }
        int h = Ascii.hash(s, ignoreCase);
        int mask = table.length - 1;
        for (int i = h & mask; table[i] != null; i = (i + 1) & mask) {
            String p = table[i];
            if (tableHashes[i] == h && p.length() == n && Ascii.regionMatches(s, 0, p, ignoreCase)) {
                return true;
            }
        }
        return false;
    }
}
