package io.junction.sniffer.http.internal;

import java.util.List;

/**
 * HAProxy's reading of header values and request-targets, on Strings, for the fetches. Stateless;
 * any thread.
 *
 * <p><b>Comma-separated values</b> ({@code hdr}, {@code hdr_cnt}): HAProxy's
 * {@code http_find_hdr_value_end} ends a value at the first comma that is not inside a
 * quoted-string (RFC 9110 section 5.6.4: {@code quoted-string = DQUOTE *( qdtext / quoted-pair )
 * DQUOTE}, {@code quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )}), and trims OWS around each
 * value. So {@code "a, b"} is two values, {@code "a,"} is {@code a} and an empty value, and
 * {@code "\"x, y\", z"} is {@code "x, y"} and {@code z}.
 */
final class HeaderValues {

    private HeaderValues() {
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** {@code s} without leading and trailing SP / HTAB; {@code s} itself when there are none. */
    static String trimOws(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isOws(s.charAt(from))) {
            from++;
        }
        while (to > from && isOws(s.charAt(to - 1))) {
            to--;
        }
        return from == 0 && to == s.length() ? s : s.substring(from, to);
    }

    /**
     * The index of the comma that ends the value starting at {@code from}, or {@code s.length()}:
     * commas inside a quoted-string (and a quoted-pair's escaped character) do not count.
     */
    static int valueEnd(String s, int from) {
        boolean quoted = false;
        boolean escaped = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (escaped) {
                escaped = false;
            } else if (quoted) {
                if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                return i;
            }
        }
        return s.length();
    }

    /** How many comma-separated values one field line holds (at least one, maybe empty). */
    static int countValues(String line) {
        int count = 1;
        for (int i = valueEnd(line, 0); i < line.length(); i = valueEnd(line, i + 1)) {
            count++;
        }
        return count;
    }

    /** Appends the comma-separated values of one field line, each OWS-trimmed, to {@code out}. */
    static void addValues(String line, List<String> out) {
        int from = 0;
        while (true) {
            int end = valueEnd(line, from);
            out.add(trimOws(line.substring(from, end)));
            if (end == line.length()) {
                return;
            }
            from = end + 1;
        }
    }

    /** The {@code index}-th (0-based) comma-separated value of {@code lines}, or null past the last. */
    static String value(List<String> lines, int index) {
        int seen = 0;
        for (int l = 0, n = lines.size(); l < n; l++) {
            String line = lines.get(l);
            int from = 0;
            while (true) {
                int end = valueEnd(line, from);
                if (seen++ == index) {
                    return trimOws(line.substring(from, end));
                }
                if (end == line.length()) {
                    break;
                }
                from = end + 1;
            }
        }
        return null;
    }

    /** The first comma-separated value of a field line, OWS-trimmed. */
    static String firstValue(String line) {
        int end = valueEnd(line, 0);
        return trimOws(end == line.length() ? line : line.substring(0, end));
    }

    /**
     * The {@code path} fetch: the request-target's path, from its first slash to before the first
     * question mark, or null when it has none. As HAProxy's {@code http_get_path}: the origin-form
     * is its own path; the absolute-form's path follows {@code scheme://authority}; the
     * asterisk-form ({@code *}), the authority-form of CONNECT and an absolute-form without a
     * slash after the authority have no path.
     *
     * @return {@code target} itself when it is all path (no allocation in the common case)
     */
    static String path(String target) {
        if (target == null || target.isEmpty() || target.charAt(0) == '*') {
            return null;
        }
        int n = target.length();
        int i = 0;
        char first = target.charAt(0);
        if ((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z')) {
            // RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://"
            i = 1;
            while (i < n && isSchemeChar(target.charAt(i))) {
                i++;
            }
            if (!target.startsWith("://", i)) {
                return null;
            }
            i += 3;
        }
        // skip [userinfo@]host[:port]
        while (i < n && target.charAt(i) != '/') {
            i++;
        }
        if (i == n) {
            return null;
        }
        int query = target.indexOf('?', i);
        int end = query < 0 ? n : query;
        return i == 0 && end == n ? target : target.substring(i, end);
    }

    private static boolean isSchemeChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '+' || c == '-' || c == '.';
    }
}
