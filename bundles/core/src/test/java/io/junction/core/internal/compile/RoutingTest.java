package io.junction.core.internal.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.SniffResult;
import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.Decision;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.Inspection;
import io.junction.core.internal.route.ServerTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rule evaluation over compiled configurations, with the fake sniffer feeding the facts. */
class RoutingTest {

    @TempDir
    Path dir;

    private FrontendRoutes frontend(String cfg) throws Exception {
        Path file = dir.resolve("r.cfg");
        Files.writeString(file, cfg);
        HaproxyConfigReader.Result read = HaproxyConfigReader.read(List.of(file));
        CompiledConfig c = ConfigCompiler.compile(read.sections(), read.problems(), FakePlugins.all());
        assertEquals(List.of(), c.problems());
        return c.frontends().get(0);
    }

    /** A connection under inspection, driven by hand. */
    static final class Conn implements Inspection, Facts {
        final FrontendRoutes routes;
        final Map<FactKey<?>, Object> facts = new HashMap<>();
        long active;
        boolean ended;
        InetSocketAddress source = new InetSocketAddress("127.0.0.1", 40000);

        Conn(FrontendRoutes routes) {
            this.routes = routes;
            for (long bit : routes.snifferBits()) {
                active |= bit;
            }
        }

        /** Feeds bytes to the frontend's sniffers as the connection handler does. */
        Object receive(String bytes) {
            ByteBuf buf = Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1);
            try {
                for (int i = 0; i < routes.sniffers().length; i++) {
                    if ((active & routes.snifferBits()[i]) != 0) {
                        SniffResult r = routes.sniffers()[i].sniff(buf, this);
                        if (r != SniffResult.NEED_MORE) {
                            active &= ~routes.snifferBits()[i];
                        }
                    }
                }
            } finally {
                buf.release();
            }
            return routes.decide(this);
        }

        Object end() {
            ended = true;
            return routes.decide(this);
        }

        @Override
        public Facts facts() {
            return this;
        }

        @Override
        public long activeSniffers() {
            return active;
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public InetSocketAddress source() {
            return source;
        }

        @Override
        public InetSocketAddress destination() {
            return new InetSocketAddress("127.0.0.1", 443);
        }

        @Override
        public void overrideAddresses(InetSocketAddress s, InetSocketAddress d) {
            source = s;
        }

        @Override
        public boolean tlsTerminated() {
            return false;
        }

        @Override
        public boolean inspectionEnded() {
            return ended;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(FactKey<T> key) {
            return (T) facts.get(key);
        }

        @Override
        public <T> void put(FactKey<T> key, T value) {
            facts.put(key, value);
        }
    }

    private static String server(Object decision) {
        return decision instanceof ServerTarget t ? t.name() : decision.toString();
    }

    @Test
    void connectionRulesAdmitAtAccept() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n tcp-request connection expect-proxy layer4 if { src_port 40000 }\n"
                + " tcp-request connection reject if { src_port 40001 }\n tcp-request connection accept\n"
                + " tcp-request connection reject\n server s 127.0.0.1:1\n");
        List<Object> applied = new ArrayList<>();
        Conn trusted = new Conn(f);
        assertTrue(f.admit(trusted, applied::add));
        assertEquals(1, applied.size(), "expect-proxy applied, evaluation went on to accept");
        Conn other = new Conn(f);
        other.source = new InetSocketAddress("127.0.0.1", 40001);
        applied.clear();
        assertFalse(f.admit(other, applied::add));
        assertEquals(0, applied.size());
    }

    @Test
    void httpRequestsAreRoutedByHostWithHeaderActions() throws Exception {
        FrontendRoutes f = frontend("listen http-server\n bind :80\n mode http\n option forwardfor\n"
                + " acl app2-host hdr(host) -i app2.example.com\n"
                + " use-server app1 if hdr(host) -i app1.example.com\n server app1 127.0.0.1:3000 weight 0\n"
                + " http-request set-header X-Forwarded-Proto https if app2-host\n"
                + " use-server app2 if app2-host\n server app2 127.0.0.1:8080 weight 0\n");
        assertTrue(f.mode() != null);
        assertEquals(java.util.Set.of("forwardfor"), f.router().options());
        Map<String, String> edited = new HashMap<>();
        io.junction.api.HeaderEditor headers = new io.junction.api.HeaderEditor() {
            @Override
            public String get(CharSequence name) {
                return edited.get(name.toString());
            }

            @Override
            public List<String> getAll(CharSequence name) {
                String v = edited.get(name.toString());
                return v == null ? List.of() : List.of(v);
            }

            @Override
            public void set(CharSequence name, CharSequence value) {
                edited.put(name.toString(), value.toString());
            }

            @Override
            public void add(CharSequence name, CharSequence value) {
                edited.put(name.toString(), value.toString());
            }

            @Override
            public void remove(CharSequence name) {
                edited.remove(name.toString());
            }
        };
        Conn app1 = new Conn(f);
        app1.put(FakePlugins.HEADERS, Map.of("host", "APP1.example.com"));
        assertEquals("http-server/app1", f.router().route(app1, headers).serverId());
        assertEquals(Map.of(), edited);
        Conn app2 = new Conn(f);
        app2.put(FakePlugins.HEADERS, Map.of("host", "app2.example.com"));
        assertEquals("http-server/app2", f.router().route(app2, headers).serverId());
        assertEquals(Map.of("X-Forwarded-Proto", "https"), edited);
        Conn other = new Conn(f);
        other.put(FakePlugins.HEADERS, Map.of("host", "other.example.com"));
        assertEquals(503, f.router().route(other, headers).status(), "no default server: 503");
        assertEquals(10_000, f.router().timeout("http-request"));
    }

    @Test
    void aSampleThatMayChangeWaitsInsteadOfFailing() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n use-server big if { req.len ge 10 }\n"
                + " server big 127.0.0.1:1 weight 0\n server small 127.0.0.1:2\n");
        Conn c = new Conn(f);
        assertSame(Decision.WAIT, c.receive("12345"), "5 bytes so far: may still reach 10");
        assertEquals("big", server(c.receive("123456789012")));
        Conn d = new Conn(f);
        assertSame(Decision.WAIT, d.receive("12345"));
        assertEquals("small", server(d.end()), "inspection over: 5 bytes it is");
    }

    @Test
    void httpRetriesRedispatchToAnotherServerThenGiveUp() throws Exception {
        FrontendRoutes f = frontend("listen web\n bind :80\n mode http\n retries 2\n option redispatch\n"
                + " timeout connect 300ms\n server a 127.0.0.1:3000\n server b 127.0.0.1:3001\n");
        io.junction.api.RequestRoute first = f.router().route(new Conn(f), null);
        io.junction.api.RequestRoute second = first.retry(new Conn(f), 1);
        assertTrue(second != null && !second.serverId().equals(first.serverId()), "redispatched: " + second);
        assertTrue(second.retry(new Conn(f), 2) != null);
        assertSame(null, second.retry(new Conn(f), 3), "retries 2: no third retry");
        FrontendRoutes same = frontend("listen web\n bind :80\n mode http\n timeout connect 300ms\n"
                + " server a 127.0.0.1:3000\n server b 127.0.0.1:3001\n");
        io.junction.api.RequestRoute r = same.router().route(new Conn(same), null);
        assertSame(r, r.retry(new Conn(same), 1), "without redispatch: the same server");
        assertEquals(300, r.retryDelayMillis(), "min(timeout connect, 1 s)");
        assertSame(null, r.retry(new Conn(same), 4), "default retries 3");
    }

    @Test
    void articleSniRouting() throws Exception {
        FrontendRoutes f = frontend(ConfigCompilerTest.ARTICLE_SNI);
        assertEquals("app1-tls", server(new Conn(f).receive("HELLO app1.example.com\n")));
        assertEquals("app1-tls", server(new Conn(f).receive("HELLO APP1.Example.COM\n")), "-i");
        assertEquals("app2-tls", server(new Conn(f).receive("HELLO app2.example.com\n")));
        assertEquals("default", server(new Conn(f).receive("HELLO other.example.com\n")), "unknown SNI");
        assertEquals("default", server(new Conn(f).receive("HELLO \n")), "no SNI");
    }

    @Test
    void waitsForTheWholeHelloThenRoutes() throws Exception {
        FrontendRoutes f = frontend(ConfigCompilerTest.ARTICLE_SNI);
        Conn c = new Conn(f);
        assertSame(Decision.WAIT, c.receive("HEL"));
        assertSame(Decision.WAIT, c.receive("HELLO app2.exa"));
        assertEquals("app2-tls", server(c.receive("HELLO app2.example.com\n")));
    }

    @Test
    void garbageWaitsForTheInspectDelayThenIsRejected() throws Exception {
        FrontendRoutes f = frontend(ConfigCompilerTest.ARTICLE_SNI);
        Conn c = new Conn(f);
        assertSame(Decision.WAIT, c.receive("GET / HTTP/1.1\r\n"), "reject if WAIT_END waits for the end");
        assertSame(Decision.REJECT, c.end());
    }

    @Test
    void silentClientIsRejectedAtTheEnd() throws Exception {
        FrontendRoutes f = frontend(ConfigCompilerTest.ARTICLE_SNI);
        Conn c = new Conn(f);
        assertSame(Decision.WAIT, f.decide(c));
        assertSame(Decision.REJECT, c.end());
    }

    @Test
    void withoutAccessRulesAServerFirstClientFallsToTheDefault() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :22\n use-server tls if req.ssl_sni -i a\n"
                + " server tls 127.0.0.1:1 weight 0\n server ssh 127.0.0.1:22\n");
        Conn c = new Conn(f);
        assertSame(Decision.WAIT, f.decide(c), "the SNI rule is undecided while the sniffer may still answer");
        assertEquals("ssh", server(c.end()));
        assertEquals("ssh", server(new Conn(f).receive("SSH-2.0-OpenSSH_9.2\r\n")), "not TLS: decided at once");
    }

    @Test
    void noDefaultServerMeansNoServer() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n use-server a if req.ssl_sni -i a\n server a 127.0.0.1:1 weight 0\n");
        assertSame(Decision.NO_SERVER, new Conn(f).receive("HELLO b\n"));
        assertEquals("a", server(new Conn(f).receive("HELLO a\n")));
    }

    @Test
    void weightedRoundRobinSkipsWeightZero() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n server z 127.0.0.1:1 weight 0\n server a 127.0.0.1:2 weight 3\n"
                + " server b 127.0.0.1:3\n");
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            picks.add(server(f.decide(new Conn(f))));
        }
        assertEquals(6, picks.stream().filter("a"::equals).count(), picks.toString());
        assertEquals(2, picks.stream().filter("b"::equals).count(), picks.toString());
        for (int i = 1; i < picks.size(); i++) {
            assertFalse(picks.get(i).equals("b") && picks.get(i - 1).equals("b"), "interleaved, not in blocks: " + picks);
        }
    }

    @Test
    void downServersGetNoTrafficAndComeBackAfterRise() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n server a 127.0.0.1:2 check\n server b 127.0.0.1:3 check\n");
        var a = f.defaultBackend().servers().get(0);
        for (int i = 0; i < 3; i++) {
            a.state().record(false, "refused", 2, 3);
        }
        assertFalse(a.state().up());
        for (int i = 0; i < 10; i++) {
            assertEquals("b", server(f.decide(new Conn(f))));
        }
        a.state().record(true, "ok", 2, 3);
        assertFalse(a.state().up(), "one success is not enough with rise 2");
        a.state().record(true, "ok", 2, 3);
        assertTrue(a.state().up());
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.add(server(f.decide(new Conn(f))));
        }
        assertTrue(picks.contains("a") && picks.contains("b"), picks.toString());
        var b = f.defaultBackend().servers().get(1);
        for (int i = 0; i < 3; i++) {
            a.state().record(false, "refused", 2, 3);
            b.state().record(false, "refused", 2, 3);
        }
        assertSame(Decision.NO_SERVER, f.decide(new Conn(f)), "all down: no server");
    }

    @Test
    void useServerSkipsADownServer() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n use-server a if TRUE\n server a 127.0.0.1:2 weight 0 check\n"
                + " server d 127.0.0.1:3\n");
        assertEquals("a", server(f.decide(new Conn(f))));
        var a = f.defaultBackend().servers().get(0);
        for (int i = 0; i < 3; i++) {
            a.state().record(false, "refused", 2, 3);
        }
        assertEquals("d", server(f.decide(new Conn(f))));
    }

    @Test
    void leastconnPrefersTheIdlestServerAndSourceIsSticky() throws Exception {
        FrontendRoutes f = frontend("listen x\n bind :1\n balance leastconn\n server a 127.0.0.1:2\n server b 127.0.0.1:3\n");
        var a = f.defaultBackend().servers().get(0);
        EmbeddedChannelCounter.open(a, 3);
        for (int i = 0; i < 5; i++) {
            assertEquals("b", server(f.decide(new Conn(f))));
        }
        FrontendRoutes s = frontend("listen x\n bind :1\n balance source\n server a 127.0.0.1:2\n server b 127.0.0.1:3\n"
                + " server c 127.0.0.1:4\n");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int client = 1; client < 40; client++) {
            Conn c1 = new Conn(s);
            c1.source = new InetSocketAddress("198.51.100." + client, 1000);
            Conn c2 = new Conn(s);
            c2.source = new InetSocketAddress("198.51.100." + client, 2000);
            String first = server(s.decide(c1));
            assertEquals(first, server(s.decide(c2)), "same client address, same server");
            seen.add(first);
        }
        assertEquals(3, seen.size(), "clients spread over all servers: " + seen);
    }

    @Test
    void namedAclsOrTogetherAndConditionsCombine() throws Exception {
        FrontendRoutes f = frontend("frontend fe\n bind :1\n acl hosts req.ssl_sni -i a.example\n"
                + " acl hosts req.ssl_sni -i b.example\n acl hello req.ssl_hello_type 1\n"
                + " use_backend one if hosts hello\n use_backend two if !hosts { req.ssl_sni -i c.example } || FALSE\n"
                + " use_backend three unless hello\n default_backend four\n"
                + "backend one\n server s1 127.0.0.1:1\nbackend two\n server s2 127.0.0.1:2\n"
                + "backend three\n server s3 127.0.0.1:3\nbackend four\n server s4 127.0.0.1:4\n");
        assertEquals("s1", server(new Conn(f).receive("HELLO a.example\n")));
        assertEquals("s1", server(new Conn(f).receive("HELLO B.EXAMPLE\n")));
        assertEquals("s2", server(new Conn(f).receive("HELLO c.example\n")));
        assertEquals("s4", server(new Conn(f).receive("HELLO d.example\n")));
        assertEquals("s3", server(new Conn(f).receive("not tls")));
    }
}
