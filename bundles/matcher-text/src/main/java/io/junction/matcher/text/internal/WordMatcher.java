package io.junction.matcher.text.internal;

/**
 * {@code -m dom} and {@code -m dir}: a pattern occurs in the sample as a run of whole words,
 * i.e. starting at the sample's start or just after a delimiter, and ending at the sample's end
 * or just before a delimiter. HAProxy's {@code match_word()} (src/pattern.c), with its
 * delimiters: {@code dom} uses {@code / ? . :} (so {@code app1.example.com} matches
 * {@code www.app1.example.com} and {@code APP1.Example.COM:80} with {@code -i}, but neither
 * {@code xapp1.example.com} nor {@code app1.example.community}); {@code dir} uses {@code /} and
 * {@code ?}. Where HAProxy's manual (7.1.3) and its code disagree, we follow the code: the manual
 * says {@code -m dir png} does not match {@code /images/png/logo/32x32.png} (match_word() does),
 * and that {@code -m dom dc-eu.example:80} matches {@code http://www1.dc-eu.example.com:80/blah}
 * (match_word() does not: the pattern must appear as written).
 * Delimiters at either end of a pattern are ignored ({@code .example.com} is {@code example.com}),
 * as in HAProxy; a pattern made of delimiters only is rejected at compile time.
 */
final class WordMatcher extends TextMatcher {
    /** HAProxy's {@code -m dom} delimiters. */
    static final String DOM_DELIMITERS = "/?.:";
    /** HAProxy's {@code -m dir} delimiters: {@code make_4delim('/', '?', '?', '?')} in pattern.c. */
    static final String DIR_DELIMITERS = "/?";

    private final String[] patterns;
    private final boolean ignoreCase;
    private final String delimiters;

    /** Config time. @param patterns trimmed of delimiters, and folded when {@code ignoreCase} */
    WordMatcher(String[] patterns, boolean ignoreCase, String delimiters) {
        this.patterns = patterns;
        this.ignoreCase = ignoreCase;
        this.delimiters = delimiters;
    }

    /** Config time: {@code p} without leading and trailing delimiters (possibly empty). */
    static String trim(String p, String delimiters) {
        int start = 0;
        int end = p.length();
        while (start < end && delimiters.indexOf(p.charAt(start)) >= 0) {
            start++;
        }
        while (end > start && delimiters.indexOf(p.charAt(end - 1)) >= 0) {
            end--;
        }
        return p.substring(start, end);
    }

    private boolean isDelimiter(char c) {
        // At most four delimiters: a scan is as fast as a lookup table.
        return delimiters.indexOf(c) >= 0;
    }

    @Override
    boolean test(CharSequence s) {
        int n = s.length();
        for (String p : patterns) {
            int m = p.length();
            int last = n - m; // last offset where p still fits
            boolean wordStart = true;
            for (int c = 0; c <= last; c++) {
                char ch = s.charAt(c);
                if (isDelimiter(ch)) {
                    wordStart = true;
                    continue;
                }
                if (!wordStart) {
                    continue;
                }
                if (Ascii.regionMatches(s, c, p, ignoreCase) && (c == last || isDelimiter(s.charAt(c + m)))) {
                    return true;
                }
                wordStart = false;
            }
        }
        return false;
    }
}
