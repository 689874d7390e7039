package io.junction.core.internal.compile;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Fetches and match methods every configuration needs, built into the core: the connection's
 * addresses and ports, {@code ssl_fc}, the constants, and the {@code int} and {@code bool}
 * methods. Everything protocol- or pattern-specific comes from plugins.
 */
final class Builtins {

    static final Set<String> FETCHES = Set.of("src", "dst", "src_port", "dst_port", "ssl_fc", "always_true",
            "always_false");
    static final Set<String> METHODS = Set.of("int", "bool");

    private Builtins() {
    }

    private record Simple(SampleType type, java.util.function.Function<Facts, Object> f) implements Fetch {
        @Override
        public Object sample(Facts facts) {
            return f.apply(facts);
        }
    }

    // Ports are boxed once per connection at most; Long.valueOf caches small values only, so we
    // accept that allocation: port ACLs are rare on the hot path and the value is needed boxed.
    private static final Fetch SRC = new Simple(SampleType.ADDRESS, f -> f.source().getAddress());
    private static final Fetch DST = new Simple(SampleType.ADDRESS, f -> f.destination().getAddress());
    private static final Fetch SRC_PORT = new Simple(SampleType.INTEGER, f -> (long) f.source().getPort());
    private static final Fetch DST_PORT = new Simple(SampleType.INTEGER, f -> (long) f.destination().getPort());
    private static final Fetch SSL_FC = new Simple(SampleType.BOOLEAN, f -> f.tlsTerminated() ? Boolean.TRUE : Boolean.FALSE);
    private static final Fetch ALWAYS_TRUE = new Simple(SampleType.BOOLEAN, f -> Boolean.TRUE);
    private static final Fetch ALWAYS_FALSE = new Simple(SampleType.BOOLEAN, f -> Boolean.FALSE);

    static final FetchProvider FETCH_PROVIDER = new FetchProvider() {
        @Override
        public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
            if (!args.isEmpty()) {
                throw new ConfigException(keyword + " takes no arguments");
            }
            return switch (keyword) {
                case "src" -> SRC;
                case "dst" -> DST;
                case "src_port" -> SRC_PORT;
                case "dst_port" -> DST_PORT;
                case "ssl_fc" -> SSL_FC;
                case "always_true" -> ALWAYS_TRUE;
                case "always_false" -> ALWAYS_FALSE;
                default -> throw new ConfigException("unknown fetch " + keyword);
            };
        }
    };

    static final MatcherFactory MATCHER_FACTORY = (method, type, patterns, ignoreCase, context) -> switch (method) {
        case "int" -> intMatcher(patterns);
        case "bool" -> boolMatcher(patterns);
        default -> throw new ConfigException("unknown match method " + method);
    };

    /** {@code bool}: true when the sample is true (or a non-zero integer). Takes no pattern. */
    private static Matcher boolMatcher(List<String> patterns) throws ConfigException {
        if (!patterns.isEmpty()) {
            throw new ConfigException("-m bool takes no pattern, got '" + patterns.get(0) + "'");
        }
        return sample -> sample instanceof Boolean b ? b : sample instanceof Number n && n.longValue() != 0;
    }

    /**
     * {@code int} (HAProxy manual 7.1.2 "Matching integers"): each pattern is {@code N},
     * {@code N:M}, {@code :M} or {@code N:}, or an operator {@code eq|ge|gt|le|lt} followed by
     * a value; the ranges are precomputed as [low, high].
     */
    static Matcher intMatcher(List<String> patterns) throws ConfigException {
        if (patterns.isEmpty()) {
            throw new ConfigException("integer match needs at least one value, e.g. 1, 1:3, ge 2");
        }
        List<long[]> ranges = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            switch (p) {
                case "eq", "ge", "gt", "le", "lt" -> {
                    if (i + 1 >= patterns.size()) {
                        throw new ConfigException("operator '" + p + "' needs a value");
                    }
                    long v = parseLong(patterns.get(++i));
                    ranges.add(switch (p) {
                        case "eq" -> new long[] {v, v};
                        case "ge" -> new long[] {v, Long.MAX_VALUE};
                        case "gt" -> new long[] {v + 1, Long.MAX_VALUE};
                        case "le" -> new long[] {Long.MIN_VALUE, v};
                        default -> new long[] {Long.MIN_VALUE, v - 1};
                    });
                }
                default -> {
                    int colon = p.indexOf(':');
                    if (colon < 0) {
                        long v = parseLong(p);
                        ranges.add(new long[] {v, v});
                    } else {
                        long lo = colon == 0 ? Long.MIN_VALUE : parseLong(p.substring(0, colon));
                        long hi = colon == p.length() - 1 ? Long.MAX_VALUE : parseLong(p.substring(colon + 1));
                        if (lo > hi) {
                            throw new ConfigException("empty integer range '" + p + "'");
                        }
                        ranges.add(new long[] {lo, hi});
                    }
                }
            }
        }
        long[] lows = new long[ranges.size()];
        long[] highs = new long[ranges.size()];
        for (int i = 0; i < lows.length; i++) {
            lows[i] = ranges.get(i)[0];
            highs[i] = ranges.get(i)[1];
        }
        return sample -> {
            if (!(sample instanceof Number n)) {
                return false;
            }
            long v = n.longValue();
            for (int i = 0; i < lows.length; i++) {
                if (v >= lows[i] && v <= highs[i]) {
                    return true;
                }
            }
            return false;
        };
    }

    private static long parseLong(String s) throws ConfigException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + s + "' is not an integer");
        }
    }
}
