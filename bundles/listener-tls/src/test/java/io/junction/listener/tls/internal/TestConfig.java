package io.junction.listener.tls.internal;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.Words;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compiles a bind line's options the way the core does: keyword by keyword, each through the
 * provider that serves it, with one word cursor and one context for the whole line.
 */
final class TestConfig {
    private TestConfig() {
    }

    static final class LineWords implements Words {
        private final List<String> words;
        int index;

        LineWords(List<String> words) {
            this.words = words;
        }

        @Override
        public boolean hasNext() {
            return index < words.size();
        }

        @Override
        public String peek() {
            return hasNext() ? words.get(index) : null;
        }

        @Override
        public String next(String what) throws ConfigException {
            if (!hasNext()) {
                throw new ConfigException("missing " + what + " after '" + words.get(index - 1) + "'");
            }
            return words.get(index++);
        }
    }

    static ConfigContext context(Path dir, String location) {
        return new ConfigContext() {
            @Override
            public String location() {
                return location;
            }

            @Override
            public Path resolve(String path) {
                Path p = Path.of(path);
                return p.isAbsolute() ? p : dir.resolve(p);
            }

            @Override
            public Fetch fetch(String expression) throws ConfigException {
                throw new ConfigException("no fetch in this test: " + expression);
            }
        };
    }

    /**
     * Compiles the options of {@code options} (the words after the address). Keywords that
     * {@code tls} does not serve go to {@code other}, which may be null.
     */
    static List<BindOption> bind(TlsBindProvider tls, BindOptionProvider other, Path dir, String options)
            throws ConfigException {
        LineWords words = new LineWords(Arrays.asList(options.trim().split("\\s+")));
        ConfigContext ctx = context(dir, "test.cfg:12");
        List<BindOption> out = new ArrayList<>();
        while (words.hasNext()) {
            String keyword = words.next("a keyword");
            if (TlsBindProvider.KEYWORDS.contains(keyword)) {
                out.add(tls.parse(keyword, words, ctx));
            } else if (other != null) {
                out.add(other.parse(keyword, words, ctx));
            } else {
                throw new ConfigException("unknown bind option '" + keyword + "'");
            }
        }
        return out;
    }
}
