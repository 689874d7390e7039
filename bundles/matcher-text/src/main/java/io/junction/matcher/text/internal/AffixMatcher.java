package io.junction.matcher.text.internal;

/**
 * {@code -m beg}, {@code -m end} and {@code -m sub}: a pattern is at the start, at the end, or
 * anywhere inside the sample. The substring search is the plain one (O(sample x pattern)):
 * samples are short (a hostname is at most 255 bytes, a payload at most the peek limit) and a
 * precomputed skip table would cost more than it saves at these sizes.
 */
final class AffixMatcher extends TextMatcher {
    enum Where { BEGIN, END, ANYWHERE }

    private final Where where;
    private final String[] patterns;
    private final boolean ignoreCase;

    /** Config time. @param patterns folded when {@code ignoreCase} */
    AffixMatcher(Where where, String[] patterns, boolean ignoreCase) {
        this.where = where;
        this.patterns = patterns;
        this.ignoreCase = ignoreCase;
    }

    @Override
    boolean test(CharSequence s) {
        int n = s.length();
        for (String p : patterns) {
            int m = p.length();
            if (m > n) {
                continue;
            }
            switch (where) {
                case BEGIN:
                    if (Ascii.regionMatches(s, 0, p, ignoreCase)) {
                        return true;
                    }
                    break;
                case END:
                    if (Ascii.regionMatches(s, n - m, p, ignoreCase)) {
                        return true;
                    }
                    break;
                default:
                    for (int off = 0; off <= n - m; off++) {
                        if (Ascii.regionMatches(s, off, p, ignoreCase)) {
                            return true;
                        }
                    }
            }
        }
        return false;
    }
}
