package io.junction.http.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import io.junction.api.WellKnownFacts;
import io.junction.api.Words;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The core's config context with a handful of fetches, as the sniffer-http and core bundles
 * would compile them: {@code hdr(NAME)}, {@code ssl_fc}, {@code src}, {@code missing}.
 */
final class ConfigContextStub implements ConfigContext {
    final Map<String, Fetch> extra = new HashMap<>();

    @Override
    public String location() {
        return "test.cfg:1";
    }

    @Override
    public Path resolve(String path) {
        return Path.of(path);
    }

    @Override
    public Fetch fetch(String expression) throws ConfigException {
        if (extra.containsKey(expression)) {
            return extra.get(expression);
        }
        if (expression.startsWith("hdr(") && expression.endsWith(")")) {
            String name = expression.substring(4, expression.length() - 1);
            return fetch(SampleType.STRING, f -> {
                var h = f.get(WellKnownFacts.HTTP_HEADERS);
                return h == null ? null : h.get(name);
            });
        }
        return switch (expression) {
            case "ssl_fc" -> fetch(SampleType.BOOLEAN, f -> f.tlsTerminated());
            case "src" -> fetch(SampleType.ADDRESS, f -> f.source().getAddress());
            case "missing" -> fetch(SampleType.STRING, f -> null);
            default -> throw new ConfigException("unknown fetch '" + expression + "'");
        };
    }

    static Fetch fetch(SampleType type, java.util.function.Function<io.junction.api.Facts, Object> f) {
        return new Fetch() {
            @Override
            public SampleType type() {
                return type;
            }

            @Override
            public Object sample(io.junction.api.Facts facts) {
                return f.apply(facts);
            }
        };
    }

    /** The words after a keyword, as the core's LineWords hands them. */
    static Words words(String... w) {
        return new Words() {
            int i;

            @Override
            public boolean hasNext() {
                return i < w.length;
            }

            @Override
            public String peek() {
                return hasNext() ? w[i] : null;
            }

            @Override
            public String next(String what) throws ConfigException {
                if (!hasNext()) {
                    throw new ConfigException("missing " + what + " after " + Arrays.toString(w));
                }
                return w[i++];
            }
        };
    }
}
