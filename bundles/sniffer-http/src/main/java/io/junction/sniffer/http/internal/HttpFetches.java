package io.junction.sniffer.http.internal;

import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.HeaderEditor;
import io.junction.api.SampleType;
import io.junction.api.WellKnownFacts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP fetches of HAProxy's configuration manual, section 7.3.6 "Fetching HTTP samples
 * (Layer 7)", compiled once at config time. Every fetch reads only the well-known facts
 * {@link WellKnownFacts#HTTP_METHOD}, {@link WellKnownFacts#HTTP_URI} and
 * {@link WellKnownFacts#HTTP_HEADERS}: in {@code mode http} the HTTP mode stores them for each
 * request before the rules run, in {@code mode tcp} this bundle's sniffer stores them for the
 * first request of the connection. The fetches work the same in both, whoever stored the facts.
 * A fetch whose facts are not stored (yet) returns {@code null}: its ACLs wait for the sniffer,
 * then match nothing.
 *
 * <p>Served keywords and their samples:
 * <ul>
 *   <li>{@code hdr(name[,occ])}, {@code req.hdr(name[,occ])} (STRING): the header's values, each
 *       comma-separated value on its own (see {@link HeaderValues}). Without {@code occ} (or with
 *       0) every value is returned, for an ACL to match any of them as HAProxy iterates them: a
 *       {@code String} when there is exactly one (the common case, no list allocated), an
 *       unmodifiable {@code List<String>} in order when there are several. With {@code occ} the one
 *       value at that position: 1 is the first, -1 the last (HAProxy's single-value {@code req.hdr},
 *       e.g. {@code hdr(host,-1)} where one value is needed, as for an {@code sni} expression).</li>
 *   <li>{@code req.fhdr(name[,occ])} (STRING): the same over whole field lines, commas included
 *       (for headers such as User-Agent or Date).</li>
 *   <li>{@code hdr_cnt(name)}, {@code req.hdr_cnt(name)} (INTEGER): how many comma-separated
 *       values the header has; {@code req.fhdr_cnt(name)}: how many field lines.</li>
 *   <li>{@code method} (STRING): the method as sent (case-sensitive, RFC 9110 section 9.1).</li>
 *   <li>{@code url} (STRING): the request-target as sent.</li>
 *   <li>{@code path} (STRING): the request-target's path, up to before {@code ?}; for the
 *       absolute-form, the path after the authority; none for {@code *} and CONNECT.</li>
 *   <li>{@code base} (STRING): the first value of the first Host field followed by the path, or
 *       the path alone when there is no Host (HAProxy's {@code smp_fetch_base}).</li>
 * </ul>
 *
 * <p>Not served, because the SPI cannot provide them: {@code hdr} and {@code hdr_cnt} without a
 * name (every header: {@link HeaderEditor} cannot list its names) and {@code req.ver} (no
 * well-known fact holds the version). {@code hdr_dom(host)} and the other {@code _method} forms
 * are the core's: it compiles {@code hdr} and the match method.
 */
final class HttpFetches {

    /** Every keyword {@link #compile} accepts, in the order of the service property. */
    static final List<String> KEYWORDS = List.of(
            "hdr", "req.hdr", "hdr_cnt", "req.hdr_cnt", "req.fhdr", "req.fhdr_cnt",
            "path", "url", "base", "method");

    private HttpFetches() {
    }

    /**
     * Config time: compiles one use of a keyword. Header names are checked and lower-cased here,
     * once; occurrences are parsed here.
     *
     * @throws ConfigException for a keyword not in {@link #KEYWORDS}, a wrong number of arguments,
     *         a name that is not a token, an occurrence that is not an integer
     */
    static Fetch compile(String keyword, List<String> args) throws ConfigException {
        List<String> a = args == null ? List.of() : args;
        switch (keyword) {
            case "hdr", "req.hdr", "req.fhdr" -> {
                boolean split = !keyword.equals("req.fhdr");
                if (a.isEmpty() || a.size() > 2) {
                    throw new ConfigException(keyword + " takes a header name and an optional occurrence, e.g. "
                            + keyword + "(host) or " + keyword + "(x-forwarded-for,-1)"
                            + (a.isEmpty() ? " (without a name, over every header, is not supported)" : ""));
                }
                String name = headerName(keyword, a.get(0));
                int occ = a.size() == 2 ? occurrence(keyword, a.get(1)) : 0;
                return new HeaderFetch(keyword, name, occ, split);
            }
            case "hdr_cnt", "req.hdr_cnt", "req.fhdr_cnt" -> {
                if (a.size() != 1) {
                    throw new ConfigException(keyword + " takes one header name, e.g. " + keyword + "(host)"
                            + (a.isEmpty() ? " (counting every header is not supported)" : ""));
                }
                return new HeaderCountFetch(keyword, headerName(keyword, a.get(0)), !keyword.equals("req.fhdr_cnt"));
            }
            case "path", "url", "base", "method" -> {
                if (!a.isEmpty()) {
                    throw new ConfigException(keyword + " takes no arguments");
                }
                return RequestFetch.valueOf(keyword.toUpperCase(Locale.ROOT));
            }
            default -> throw new ConfigException(keyword + ": not a fetch of the HTTP sniffer (it serves "
                    + String.join(", ", KEYWORDS) + ")");
        }
    }

    /** A header name as written, lower-cased: a token (RFC 9110 section 5.1), surrounding blanks ignored. */
    private static String headerName(String keyword, String written) throws ConfigException {
        String name = written.strip();
        if (name.isEmpty()) {
            throw new ConfigException(keyword + " needs a header name, e.g. " + keyword + "(host)");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!RequestHeadParser.isTchar(name.charAt(i))) {
                throw new ConfigException(keyword + ": '" + name + "' is not a header name (RFC 9110 section 5.1: "
                        + "letters, digits and !#$%&'*+-.^_`|~)");
            }
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static int occurrence(String keyword, String written) throws ConfigException {
        try {
            return Integer.parseInt(written.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(keyword + ": occurrence '" + written.strip() + "' is not an integer "
                    + "(1 is the first value, -1 the last)");
        }
    }

    /** {@code list} as an unmodifiable sample: its one element alone, or a read-only view. */
    private static Object oneOrAll(List<String> list) {
        return list.size() == 1 ? list.get(0) : Collections.unmodifiableList(list);
    }

    /** The fetches without arguments: one shared constant each. */
    enum RequestFetch implements Fetch {
        METHOD("method"),
        URL("url"),
        PATH("path"),
        BASE("base");

        private final String keyword;

        RequestFetch(String keyword) {
            this.keyword = keyword;
        }

        /** Config time: every one is a STRING. */
        @Override
        public SampleType type() {
            return SampleType.STRING;
        }

        /**
         * Event loop: the sample, or null while no request head is known. {@code method} and
         * {@code url} return the stored String; {@code path} allocates only when the target is
         * not all path; {@code base} allocates the concatenation. Does not block.
         */
        @Override
        public Object sample(Facts facts) {
            switch (this) {
                case METHOD:
                    return facts.get(WellKnownFacts.HTTP_METHOD);
                case URL:
                    return facts.get(WellKnownFacts.HTTP_URI);
                case PATH:
                    return HeaderValues.path(facts.get(WellKnownFacts.HTTP_URI));
                default:
                    return base(facts);
            }
        }

        /**
         * HAProxy's {@code base}: the first Host value, then the path if it starts with a slash;
         * the path alone when there is no Host or an empty one.
         */
        private static String base(Facts facts) {
            String target = facts.get(WellKnownFacts.HTTP_URI);
            if (target == null) {
                return null;
            }
            String path = HeaderValues.path(target);
            HeaderEditor headers = facts.get(WellKnownFacts.HTTP_HEADERS);
            String host = headers == null ? null : headers.get("host");
            if (host == null || (host = HeaderValues.firstValue(host)).isEmpty()) {
                return path;
            }
            return path == null ? host : host + path;
        }

        @Override
        public String toString() {
            return keyword;
        }
    }

    /** {@code hdr}, {@code req.hdr}, {@code req.fhdr} with their arguments bound. */
    static final class HeaderFetch implements Fetch {
        private final String text;
        private final String name; // lower-case
        private final int occ;     // 0: every value
        private final boolean split;

        HeaderFetch(String keyword, String name, int occ, boolean split) {
            this.text = keyword + "(" + name + (occ == 0 ? "" : "," + occ) + ")";
            this.name = name;
            this.occ = occ;
            this.split = split;
        }

        /** Config time: the name this fetch looks up, lower-cased at compile time. */
        String name() {
            return name;
        }

        /** Config time: STRING (several values come as a {@code List<String>}). */
        @Override
        public SampleType type() {
            return SampleType.STRING;
        }

        /**
         * Event loop: the value(s), or null when no request head is known, the header is absent or
         * {@code occ} is past its values. Calls {@link HeaderEditor#getAll} (which may allocate);
         * a single value without commas is returned without further allocation. Does not block.
         */
        @Override
        public Object sample(Facts facts) {
            HeaderEditor headers = facts.get(WellKnownFacts.HTTP_HEADERS);
            if (headers == null) {
                return null;
            }
            List<String> lines = headers.getAll(name);
            if (lines == null || lines.isEmpty()) {
                return null;
            }
            if (!split) {
                if (occ == 0) {
                    if (lines.size() == 1) {
                        return HeaderValues.trimOws(lines.get(0));
                    }
                    List<String> trimmed = new ArrayList<>(lines.size());
                    for (String line : lines) {
                        trimmed.add(HeaderValues.trimOws(line));
                    }
                    return oneOrAll(trimmed);
                }
                int index = occ > 0 ? occ - 1 : lines.size() + occ;
                return index >= 0 && index < lines.size() ? HeaderValues.trimOws(lines.get(index)) : null;
            }
            if (occ == 0) {
                if (lines.size() == 1) {
                    String line = lines.get(0);
                    if (HeaderValues.valueEnd(line, 0) == line.length()) {
                        return HeaderValues.trimOws(line);
                    }
                }
                List<String> values = new ArrayList<>();
                for (String line : lines) {
                    HeaderValues.addValues(line, values);
                }
                return oneOrAll(values);
            }
            if (occ > 0) {
                return HeaderValues.value(lines, occ - 1);
            }
            int count = 0;
            for (String line : lines) {
                count += HeaderValues.countValues(line);
            }
            int index = count + occ;
            return index >= 0 ? HeaderValues.value(lines, index) : null;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** {@code hdr_cnt}, {@code req.hdr_cnt}, {@code req.fhdr_cnt} with their header bound. */
    static final class HeaderCountFetch implements Fetch {
        private final String text;
        private final String name; // lower-case
        private final boolean split;

        HeaderCountFetch(String keyword, String name, boolean split) {
            this.text = keyword + "(" + name + ")";
            this.name = name;
            this.split = split;
        }

        /** Config time: INTEGER (a {@code Long}). */
        @Override
        public SampleType type() {
            return SampleType.INTEGER;
        }

        /**
         * Event loop: how many values (or field lines) the header has, 0 when absent; null while no
         * request head is known. Calls {@link HeaderEditor#getAll}; the count itself is a cached
         * {@code Long} below 128. Does not block.
         */
        @Override
        public Object sample(Facts facts) {
            HeaderEditor headers = facts.get(WellKnownFacts.HTTP_HEADERS);
            if (headers == null) {
                return null;
            }
            List<String> lines = headers.getAll(name);
            if (lines == null) {
                return 0L;
            }
            if (!split) {
                return (long) lines.size();
            }
            long count = 0;
            for (String line : lines) {
                count += HeaderValues.countValues(line);
            }
            return count;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
