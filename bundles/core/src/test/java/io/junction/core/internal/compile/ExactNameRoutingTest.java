package io.junction.core.internal.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.route.BackendPool;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.ContentRule;
import io.junction.core.internal.route.Decision;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.Inspection;
import io.junction.core.internal.route.Rule;
import io.junction.core.internal.route.ServerTarget;
import io.junction.core.internal.route.Tri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiled configurations with many {@code use_backend} / {@code use-server} rules decide as
 * evaluating every rule in order did before the exact-name tables: a differential test over
 * generated configuration text, compared with a reference written the old way.
 */
class ExactNameRoutingTest {

    @TempDir
    Path dir;

    private CompiledConfig compile(String cfg) throws Exception {
        Path file = dir.resolve("r.cfg");
        Files.writeString(file, cfg);
        HaproxyConfigReader.Result read = HaproxyConfigReader.read(List.of(file));
        Plugins all = FakePlugins.all();
        // beg stands for any method other than str: the fake compares as str does, but the core
        // must not index it, as it cannot know what another method means.
        Plugins plugins = new Plugins(all.fetches(), Map.of("str", FakePlugins.STR, "beg", FakePlugins.STR),
                all.serverOptions(), all.bindOptions(), all.connectors(), all.listeners(), all.transport(),
                all.protocols(), all.connectionActions(), all.modes(), all.httpActions());
        CompiledConfig c = ConfigCompiler.compile(read.sections(), read.problems(), plugins);
        assertEquals(List.of(), c.problems(), cfg);
        return c;
    }

    /** {@link FrontendRoutes#decide} as it was: every rule evaluated in order. */
    private static Object reference(FrontendRoutes f, Inspection in) {
        for (ContentRule rule : f.contentRules()) {
            Tri t = rule.condition().eval(in);
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
            if (t == Tri.TRUE) {
                if (!rule.accept()) {
                    return Decision.REJECT;
                }
                break;
            }
        }
        BackendPool pool = f.defaultBackend();
        for (Rule<BackendPool> rule : f.useBackendRules()) {
            Tri t = rule.condition().eval(in);
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
            if (t == Tri.TRUE) {
                pool = rule.target();
                break;
            }
        }
        if (pool == null) {
            return Decision.NO_SERVER;
        }
        for (Rule<ServerTarget> rule : pool.useServerRules()) {
            Tri t = rule.condition().eval(in);
            if (t == Tri.TRUE) {
                if (rule.target().available() || rule.target().pendingReason() != null) {
                    return rule.target();
                }
                continue;
            }
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
        }
        ServerTarget s = pool.balance(in, null);
        return s == null ? Decision.NO_SERVER : s;
    }

    private static final String[] NAMES = {"app1.example.com", "app2.example.com", "db.example.com", "x.test",
        "böse.example", "a"};

    private static String variant(Random rnd, String name) {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            sb.append(rnd.nextBoolean() ? Character.toUpperCase(c) : c);
        }
        return sb.toString();
    }

    /** A condition in one of the shapes the compiler produces; most are indexable exact names. */
    private static String condition(Random rnd) {
        String n = variant(rnd, NAMES[rnd.nextInt(NAMES.length)]);
        String m = variant(rnd, NAMES[rnd.nextInt(NAMES.length)]);
        String i = rnd.nextBoolean() ? "-i " : "";
        return switch (rnd.nextInt(24)) {
            case 0 -> "unless { req.ssl_sni " + i + n + " }";
            case 1 -> "if !{ req.ssl_sni " + i + n + " }";
            case 2 -> "if { req.ssl_sni " + i + n + " } { req.ssl_hello_type 1 }";
            case 3 -> "if { req.ssl_sni " + i + n + " } or { req.ssl_sni " + m + " }";
            case 4 -> "if { hdr(host) " + i + n + " }"; // a fetch compiled anew for each rule: not one run
            case 5 -> "if WAIT_END";
            case 6 -> "if FALSE";
            case 7 -> "if { req.ssl_sni -m beg " + i + n + " }";
            case 8 -> "if one_name";
            case 9 -> "if two_lines";
            case 10 -> "if { req.ssl_sni -m str " + i + n + " " + m + " }";
            case 11 -> "if req.ssl_sni " + i + n; // the article's form, without braces
            default -> "if { req.ssl_sni " + i + n + " }";
        };
    }

    private static String config(Random rnd, int backends, int useBackends, int useServers) {
        StringBuilder cfg = new StringBuilder("""
                defaults
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend fe
                    bind 127.0.0.1:8443
                    tcp-request inspect-delay 5s
                    acl one_name req.ssl_sni -i app1.example.com
                    acl two_lines req.ssl_sni -i db.example.com
                    acl two_lines req.ssl_sni x.test
                """);
        for (int u = 0; u < useBackends; u++) {
            cfg.append("    use_backend b").append(rnd.nextInt(backends)).append(' ').append(condition(rnd)).append('\n');
        }
        if (rnd.nextInt(4) > 0) {
            cfg.append("    default_backend b0\n");
        }
        for (int b = 0; b < backends; b++) {
            cfg.append("backend b").append(b).append('\n');
            cfg.append("    acl one_name req.ssl_sni -i app2.example.com\n");
            cfg.append("    acl two_lines req.ssl_sni -i app1.example.com\n");
            cfg.append("    acl two_lines req.ssl_sni a\n");
            int servers = 1 + rnd.nextInt(6);
            for (int u = 0; u < useServers; u++) {
                cfg.append("    use-server s").append(rnd.nextInt(servers)).append(' ').append(condition(rnd)).append('\n');
            }
            for (int s = 0; s < servers; s++) {
                cfg.append("    server s").append(s).append(" 127.0.0.1:").append(9000 + s).append(" weight 0\n");
            }
            if (rnd.nextBoolean()) {
                cfg.append("    server default 127.0.0.1:8999\n");
            }
        }
        return cfg.toString();
    }

    @Test
    void compiledRoutesDecideAsTheInOrderScan() throws Exception {
        Random rnd = new Random(1127L);
        int indexed = 0;
        for (int round = 0; round < 150; round++) {
            CompiledConfig c = compile(config(rnd, 1 + rnd.nextInt(3), rnd.nextInt(40), rnd.nextInt(40)));
            FrontendRoutes fe = c.frontends().get(0);
            List<ServerTarget> servers = new ArrayList<>();
            indexed += fe.useBackendLookup().indexedRules();
            for (BackendPool pool : fe.reachableBackends()) {
                indexed += pool.useServerLookup().indexedRules();
                servers.addAll(pool.servers());
            }
            long allSniffers = 0;
            for (long bit : fe.snifferBits()) {
                allSniffers |= bit;
            }
            for (int k = 0; k < 300; k++) {
                for (ServerTarget s : servers) { // up or down, through the health checker's own path
                    s.state().record(rnd.nextInt(3) > 0, "test", 1, 1);
                }
                RoutingTest.Conn conn = new RoutingTest.Conn(fe);
                if (rnd.nextInt(6) > 0) {
                    conn.put(FakePlugins.SNI, variant(rnd, rnd.nextInt(8) == 0 ? "other.example" : NAMES[rnd.nextInt(NAMES.length)]));
                    conn.put(FakePlugins.HELLO, 1L);
                }
                if (rnd.nextInt(3) == 0) {
                    conn.put(FakePlugins.HEADERS, Map.of("host", variant(rnd, NAMES[rnd.nextInt(NAMES.length)])));
                }
                conn.active = rnd.nextBoolean() ? allSniffers : 0;
                conn.ended = rnd.nextInt(3) == 0;
                Object expected = reference(fe, conn);
                Object actual = fe.decide(conn);
                assertSame(expected, actual, () -> "facts " + conn.facts + " active " + conn.active + " ended " + conn.ended);
            }
        }
        assertTrue(indexed > 1_000, "runs were indexed: " + indexed);
    }

    @Test
    void theArticlesRulesGrownToManyNamesAreLookedUpAndRouteAsBefore() throws Exception {
        StringBuilder cfg = new StringBuilder("""
                listen https-server
                    bind 127.0.0.1:8443
                    tcp-request inspect-delay 5s
                    tcp-request content accept if { req.ssl_hello_type 1 }
                """);
        for (int i = 0; i < 500; i++) {
            cfg.append("    use-server s").append(i).append(" if { req.ssl_sni -i host").append(i).append(".example.com }\n");
        }
        cfg.append("    use-server twin if { req.ssl_sni -i host7.example.com }\n"); // the same name again
        for (int i = 0; i < 500; i++) {
            cfg.append("    server s").append(i).append(" 127.0.0.1:").append(10000 + i).append(" weight 0\n");
        }
        cfg.append("    server twin 127.0.0.1:9998 weight 0\n");
        cfg.append("    server default 127.0.0.1:9999\n");
        FrontendRoutes fe = compile(cfg.toString()).frontends().get(0);
        BackendPool pool = fe.defaultBackend();
        assertEquals(501, pool.useServerLookup().indexedRules());

        RoutingTest.Conn conn = new RoutingTest.Conn(fe);
        conn.active = fe.snifferBits()[0];
        assertSame(Decision.WAIT, fe.decide(conn), "no hello yet: the rules wait");
        conn.put(FakePlugins.HELLO, 1L);
        assertSame(Decision.WAIT, fe.decide(conn), "hello type known, name not yet: still waiting");
        conn.active = 0;
        assertEquals("default", ((ServerTarget) fe.decide(conn)).name(), "a hello without a name: the default server");
        conn.put(FakePlugins.SNI, "HOST7.Example.com");
        assertEquals("s7", ((ServerTarget) fe.decide(conn)).name());
        ServerTarget s7 = (ServerTarget) fe.decide(conn);
        s7.state().record(false, "test", 1, 1);
        assertEquals("twin", ((ServerTarget) fe.decide(conn)).name(), "s7 down: the later rule for the same name");
        s7.state().record(true, "test", 1, 1);
        conn.put(FakePlugins.SNI, "host499.example.com");
        assertEquals("s499", ((ServerTarget) fe.decide(conn)).name());
        conn.put(FakePlugins.SNI, "host500.example.com");
        assertEquals("default", ((ServerTarget) fe.decide(conn)).name());
    }
}
