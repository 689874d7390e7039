package io.junction.bench;

import io.junction.api.Connector;
import io.junction.api.FetchProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.MatcherFactory;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.junction.core.internal.compile.ConfigCompiler;
import io.junction.core.internal.compile.Plugins;
import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.Inspection;
import io.junction.core.internal.route.ServerTarget;
import io.junction.matcher.text.internal.TextMatcherFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link FrontendRoutes#decide} on the article's {@code listen https-server} block grown to
 * {@code rules} lines of {@code use-server sN if { req.ssl_sni -i hostN.example.com }}, compiled
 * by the real core compiler against the real TLS sniffer and text matchers. The facts are what
 * the TLS sniffer stored for a real ClientHello naming the server looked up: {@code first} (rule
 * 1), {@code last} (rule N: the whole list is scanned) or {@code miss} (no rule matches; the
 * default server takes it, after the whole list).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class RouteLookupBenchmark {

    @Param({"10", "1000", "10000"})
    public int rules;

    @Param({"first", "last", "miss"})
    public String target;

    private FrontendRoutes routes;
    private Inspection inspection;

    /** The plugin services as the core would see them with sniffer-tls and matcher-text installed. */
    static Plugins plugins() {
        Sniffer tls = Components.tlsSniffer();
        Map<String, FetchProvider> fetches = new HashMap<>();
        for (String k : List.of("req.ssl_sni", "req.ssl_hello_type", "req.ssl_alpn", "req.ssl_ver",
                "req.ssl_ec_ext", "req.ssl_ech")) {
            fetches.put(k, tls);
        }
        MatcherFactory text = new TextMatcherFactory();
        Map<String, MatcherFactory> matchers = new HashMap<>();
        for (String m : List.of("str", "beg", "end", "sub", "dir", "dom", "reg", "len", "found")) {
            matchers.put(m, text);
        }
        Connector tcp = request -> {
            throw new UnsupportedOperationException("the benchmark never connects");
        };
        ListenerFactory listener = request -> {
            throw new UnsupportedOperationException("the benchmark never binds");
        };
        Map<Object, String> protocols = new HashMap<>();
        protocols.put(tls, "tls");
        return new Plugins(fetches, matchers, Map.of(), Map.of(), Map.of("tcp", tcp), Map.of("tcp", listener),
                null, protocols, Map.of(), Map.of(), Map.of());
    }

    static String config(int rules) {
        StringBuilder cfg = new StringBuilder(64 * rules + 512).append("""
                defaults
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                listen https-server
                    bind 127.0.0.1:8443
                    mode tcp
                    tcp-request inspect-delay 10s
                    tcp-request content accept if { req.ssl_hello_type 1 }
                    tcp-request content reject if WAIT_END
                """);
        for (int i = 0; i < rules; i++) {
            cfg.append("    use-server s").append(i).append(" if { req.ssl_sni -i host").append(i)
                    .append(".example.com }\n");
            cfg.append("    server s").append(i).append(" 127.0.0.1:").append(20000 + i % 40000).append(" weight 0\n");
        }
        cfg.append("    server default 127.0.0.1:9443\n");
        return cfg.toString();
    }

    static FrontendRoutes compile(String cfg) {
        try {
            Path file = Files.createTempFile("junction-bench", ".cfg");
            try {
                Files.writeString(file, cfg);
                HaproxyConfigReader.Result read = HaproxyConfigReader.read(List.of(file));
                CompiledConfig compiled = ConfigCompiler.compile(read.sections(), read.problems(), plugins());
                if (!compiled.problems().isEmpty() || compiled.frontends().size() != 1) {
                    throw new IllegalStateException("configuration not clean: " + compiled.problems());
                }
                return compiled.frontends().get(0);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        routes = compile(config(rules));
        String sni = switch (target) {
            case "first" -> "host0.example.com";
            case "last" -> "host" + (rules - 1) + ".example.com";
            default -> "nowhere.example.com";
        };
        // The facts the real sniffer stores for a real hello naming that server.
        ArrayFacts facts = new ArrayFacts(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8443));
        ByteBuf hello = Unpooled.wrappedBuffer(ClientHellos.hello(512, sni, "h2", "http/1.1"));
        try {
            if (routes.sniffers().length != 1 || routes.sniffers()[0].sniff(hello, facts) != SniffResult.DONE) {
                throw new IllegalStateException("expected the TLS sniffer to read the hello");
            }
        } finally {
            hello.release();
        }
        inspection = new Inspection() {
            @Override
            public ArrayFacts facts() {
                return facts;
            }

            @Override
            public long activeSniffers() {
                return 0; // the sniffer is done
            }

            @Override
            public boolean ended() {
                return false;
            }
        };
        Object decided = routes.decide(inspection);
        if (!(decided instanceof ServerTarget server)) {
            throw new IllegalStateException("no server decided: " + decided);
        }
        String name = target.equals("miss") ? "default" : target.equals("first") ? "s0" : "s" + (rules - 1);
        if (!server.name().equals(name)) {
            throw new IllegalStateException("routed to " + server + ", expected " + name);
        }
    }

    @Benchmark
    public Object decide() {
        return routes.decide(inspection);
    }
}
