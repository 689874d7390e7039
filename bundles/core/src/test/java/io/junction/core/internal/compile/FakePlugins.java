package io.junction.core.internal.compile;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.FetchProvider;
import io.junction.api.HttpAction;
import io.junction.api.HttpActionProvider;
import io.junction.api.ProxyMode;
import io.junction.api.Connector;
import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.ListenerFactory;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stand-ins for plugin bundles, so that the core's compiler and routing are tested on their
 * own. The fake "tls" sniffer understands {@code HELLO <sni>\n}: a complete line is a hello,
 * a prefix of "HELLO" needs more, anything else is not this protocol.
 */
public final class FakePlugins {
    public static final FactKey<String> SNI = FactKey.of("req.ssl_sni", String.class);
    public static final FactKey<Long> HELLO = FactKey.of("req.ssl_hello_type", Long.class);

    public static final Sniffer SNIFFER = new Sniffer() {
        @Override
        public int peekLimit() {
            return 64;
        }

        @Override
        public SniffResult sniff(ByteBuf in, Facts out) {
            String s = in.toString(in.readerIndex(), in.readableBytes(), StandardCharsets.ISO_8859_1);
            String prefix = "HELLO ";
            if (s.length() < prefix.length()) {
                return prefix.startsWith(s) ? SniffResult.NEED_MORE : SniffResult.NOT_APPLICABLE;
            }
            if (!s.startsWith(prefix)) {
                return SniffResult.NOT_APPLICABLE;
            }
            int nl = s.indexOf('\n');
            if (nl < 0) {
                return SniffResult.NEED_MORE;
            }
            out.put(HELLO, 1L);
            String sni = s.substring(prefix.length(), nl);
            if (!sni.isEmpty()) {
                out.put(SNI, sni);
            }
            return SniffResult.DONE;
        }

        @Override
        public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
            if (!args.isEmpty()) {
                throw new ConfigException(keyword + " takes no arguments");
            }
            // One shared instance per keyword, as the real TLS sniffer's enum constants: rules on
            // the same fetch can then share one sample (the core's exact-name index needs that).
            return switch (keyword) {
                case "req.ssl_sni" -> SNI_FETCH;
                case "req.ssl_hello_type" -> HELLO_FETCH;
                default -> throw new ConfigException("unknown " + keyword);
            };
        }
    };

    static final Fetch SNI_FETCH = new Fetch() {
        @Override
        public SampleType type() {
            return SampleType.STRING;
        }

        @Override
        public Object sample(Facts facts) {
            return facts.get(SNI);
        }
    };

    static final Fetch HELLO_FETCH = new Fetch() {
        @Override
        public SampleType type() {
            return SampleType.INTEGER;
        }

        @Override
        public Object sample(Facts facts) {
            return facts.get(HELLO);
        }
    };

    /** {@code str} only, with -i. */
    public static final MatcherFactory STR = (method, type, patterns, ignoreCase, context) -> {
        if (patterns.isEmpty()) {
            throw new ConfigException("no pattern");
        }
        List<String> p = patterns.stream().map(x -> ignoreCase ? x.toLowerCase(Locale.ROOT) : x).toList();
        return (Matcher) sample -> {
            String s = sample.toString();
            return p.contains(ignoreCase ? s.toLowerCase(Locale.ROOT) : s);
        };
    };

    public static final Connector CONNECTOR = request -> {
        throw new UnsupportedOperationException("not used by compile tests");
    };

    public static final ListenerFactory LISTENER = request -> {
        throw new UnsupportedOperationException("not used by compile tests");
    };

    /** {@code expect-proxy layer4}: consumes "layer4", applies nothing. */
    public static final ConnectionActionProvider EXPECT_PROXY = (keyword, args, context) -> {
        String layer = args.next("layer4");
        if (!layer.equals("layer4")) {
            throw new ConfigException("expect-proxy supports layer4 only");
        }
        return (client, facts) -> { };
    };

    public static final FactKey<Long> LEN = FactKey.of("req.len", Long.class);

    /** {@code req.len}: bytes received so far; never done, its sample may change. */
    public static final Sniffer LEN_SNIFFER = new Sniffer() {
        @Override
        public int peekLimit() {
            return 1024;
        }

        @Override
        public SniffResult sniff(ByteBuf in, Facts out) {
            out.put(LEN, (long) in.readableBytes());
            return SniffResult.NEED_MORE;
        }

        @Override
        public Fetch compile(String keyword, List<String> args, ConfigContext context) {
            return new Fetch() {
                @Override
                public SampleType type() {
                    return SampleType.INTEGER;
                }

                @Override
                public Object sample(Facts facts) {
                    return facts.get(LEN);
                }

                @Override
                public boolean mayChange() {
                    return true;
                }
            };
        }
    };

    /** The request's headers, as a fake HTTP mode would store them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final FactKey<Map<String, String>> HEADERS = (FactKey) FactKey.of("http.headers", Map.class);

    /** {@code hdr(NAME)}: a header of the request (lower-case names). */
    public static final FetchProvider HDR = (keyword, args, context) -> {
        if (args.size() != 1) {
            throw new ConfigException("hdr takes a header name");
        }
        String name = args.get(0).toLowerCase(Locale.ROOT);
        return new Fetch() {
            @Override
            public SampleType type() {
                return SampleType.STRING;
            }

            @Override
            public Object sample(Facts facts) {
                Map<String, String> headers = facts.get(HEADERS);
                return headers == null ? null : headers.get(name);
            }
        };
    };

    public static final ProxyMode HTTP_MODE = (client, initial, facts, router) -> {
        throw new UnsupportedOperationException("not used by compile tests");
    };

    /** {@code set-header NAME VALUE}. */
    public static final HttpActionProvider SET_HEADER = (keyword, args, context) -> {
        String name = args.next("a header name");
        String value = args.next("a value");
        return (headers, request) -> {
            headers.set(name, value);
            return HttpAction.CONTINUE;
        };
    };

    private FakePlugins() {
    }

    /** All fakes present. */
    public static Plugins all() {
        Map<Object, String> protocols = new HashMap<>();
        protocols.put(SNIFFER, "tls");
        return new Plugins(Map.of("req.ssl_sni", SNIFFER, "req.ssl_hello_type", SNIFFER, "hdr", HDR, "req.len", LEN_SNIFFER),
                Map.of("str", STR),
                Map.of(),
                Map.of(), Map.of("tcp", CONNECTOR), Map.of("tcp", LISTENER), null, protocols,
                Map.of("expect-proxy", EXPECT_PROXY), Map.of("http", HTTP_MODE), Map.of("set-header", SET_HEADER));
    }

    /** Everything but the sniffer, as before the TLS sniffer bundle is installed. */
    public static Plugins withoutSniffer() {
        return new Plugins(Map.of(), Map.of("str", STR), Map.of(), Map.of(), Map.of("tcp", CONNECTOR),
                Map.of("tcp", LISTENER), null, Map.of(), Map.of(), Map.of(), Map.of());
    }
}
