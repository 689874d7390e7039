package io.junction.matcher.text.internal;

/**
 * ASCII-only case folding, as HAProxy's {@code -i} (C {@code tolower} in the C locale): only
 * {@code A-Z} fold. Patterns are folded once at compile time; samples are folded char by char
 * while comparing, so a case-insensitive match allocates nothing. Folding the pattern with
 * {@link String#toLowerCase} instead would fold non-ASCII letters that the sample side never
 * folds, and such a pattern could never match.
 */
final class Ascii {
    private Ascii() {
    }

    /** Any thread: {@code c} with {@code A-Z} mapped to {@code a-z}. */
    static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Config time: the pattern with {@code A-Z} mapped to {@code a-z}, everything else kept. */
    static String lower(String s) {
        char[] out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char l = lower(c);
            if (l != c) {
                if (out == null) {
                    out = s.toCharArray();
                }
                out[i] = l;
            }
        }
        return out == null ? s : new String(out);
    }

    /**
     * Any thread, allocation-free: whether {@code s} holds {@code p} at {@code offset}. The
     * caller checks that {@code offset + p.length() <= s.length()}.
     *
     * @param p the pattern, already folded when {@code ignoreCase}
     */
    static boolean regionMatches(CharSequence s, int offset, String p, boolean ignoreCase) {
        int n = p.length();
        if (ignoreCase) {
            for (int i = 0; i < n; i++) {
                if (lower(s.charAt(offset + i)) != p.charAt(i)) {
                    return false;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                if (s.charAt(offset + i) != p.charAt(i)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Any thread, allocation-free: a hash of {@code s}, folded when {@code ignoreCase}. */
    static int hash(CharSequence s, boolean ignoreCase) {
        int h = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            h = 31 * h + (ignoreCase ? lower(c) : c);
        }
        return h;
    }
}
