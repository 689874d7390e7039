package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * {@code mode http} with the real bundles, driven by the real {@code curl}: the source
 * article's two Host-routing configurations, run as printed (only addresses and ports are
 * local), then the same with {@code option forwardfor}, health checks and {@code http-request}
 * rules. Issue 3, acceptance items 1 and 2.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpRoutingIT extends HttpItSupport {

    /** Bound on waiting for a health check to take a server down or bring it back. */
    private static final Duration CHECK_WAIT = Duration.ofSeconds(15);

    @Configuration
    public Option[] configuration() {
        return httpOptions(HttpRoutingIT.class);
    }

    @Before
    public void setUp() {
        installLeakGuard();
        assertHttpBundlesActive();
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    // ------------------------------------------------------------------ seed config 1: listen

    /**
     * The article's first block: {@code use-server ... if hdr_dom(host) -i ...}, two servers of
     * weight 0 and a default server.
     */
    private static String seedListen(int port, HttpBackend app1, HttpBackend app2, HttpBackend fallback) {
        return String.join("\n",
                "listen http-server",
                "    bind 127.0.0.1:" + port,
                "    mode http",
                "    use-server app1 if hdr_dom(host) -i app1.example.com",
                "    server app1 127.0.0.1:" + app1.port() + " weight 0",
                "    use-server app2 if hdr_dom(host) -i app2.example.com",
                "    server app2 127.0.0.1:" + app2.port() + " weight 0",
                fallback == null ? "" : "    server default 127.0.0.1:" + fallback.port(),
                "");
    }

    @Test
    public void seedListenRoutesOnTheHostNameAndFallsBackToTheDefaultServer() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedListen(port, app1, app2, fallback));
        awaitHttpRoute(port, "app1.example.com", app1);

        Curl.Transfer t = ok(port, "app1.example.com", "/one");
        assertEquals("Host app1.example.com", "app1", t.backend());
        assertEquals("the Host field reaches the server unchanged", List.of("app1.example.com"), t.headers("Host"));

        t = ok(port, "APP1.Example.COM:80", "/two");
        assertEquals("hdr_dom -i ignores case and the port", "app1", t.backend());
        assertEquals(List.of("APP1.Example.COM:80"), t.headers("Host"));

        assertEquals("Host app2.example.com", "app2", ok(port, "app2.example.com", "/three").backend());
        assertEquals("unknown Host -> default", "default", ok(port, "unknown.example.com", "/four").backend());
        assertEquals("a name that only contains app1.example.com as a substring is not app1", "default",
                ok(port, "xapp1.example.com", "/five").backend());

        // HTTP/1.0 without any Host field: curl -0 -H 'Host:' removes curl's own Host.
        Curl.Run run = Curl.run(Curl.get(port, "/no-host", "-0", "-H", "Host:"));
        assertEquals("curl: " + run, 0, run.exitCode());
        Curl.Transfer noHost = run.only();
        assertEquals("missing Host: " + run, 200, noHost.status());
        assertEquals("missing Host -> default", "default", noHost.backend());
        assertTrue("the request really had no Host field: " + noHost.body(), noHost.headers("Host").isEmpty());
        assertTrue("and was HTTP/1.0: " + noHost.body(), noHost.body().contains("request: GET /no-host HTTP/1.0"));
    }

    @Test
    public void seedListenWithoutTheDefaultServerAnswers503AndContactsNoServer() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        int port = freePort();
        writeConfig(seedListen(port, app1, app2, null));
        awaitHttpRoute(port, "app1.example.com", app1);
        awaitHttpRoute(port, "app2.example.com", app2);

        Seen before = Seen.of(app1, app2);
        for (String host : new String[] {"unknown.example.com", "app3.example.com"}) {
            Curl.Run run = curlGet(port, host, "/nobody");
            assertEquals("curl: " + run, 0, run.exitCode());
            assertEquals("no matching server and no default: " + run, 503, run.only().status());
            assertTrue("a small body says why: " + run, run.only().body().contains("503"));
        }
        Curl.Run run = Curl.run(Curl.get(port, "/no-host", "-0", "-H", "Host:"));
        assertEquals("missing Host without a default server: " + run, 503, run.only().status());
        before.assertUntouched("503 answers");

        // The matching hosts still work.
        assertEquals("app1", ok(port, "app1.example.com", "/still").backend());
    }

    @Test
    public void twoKeepAliveRequestsForTwoHostsOnOneConnectionReachTwoBackends() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedListen(port, app1, app2, fallback));
        awaitHttpRoute(port, "app1.example.com", app1);

        Curl.Run run = Curl.run(
                Curl.get(port, "/first", "-H", "Host: app1.example.com"),
                Curl.get(port, "/second", "-H", "Host: app2.example.com"),
                Curl.get(port, "/third", "-H", "Host: other.example.com"));
        assertEquals("curl: " + run, 0, run.exitCode());
        assertEquals(run.toString(), 3, run.transfers().size());
        assertEquals("first transfer opened the connection: " + run, 1, run.transfers().get(0).connects());
        assertEquals("second transfer reused it: " + run, 0, run.transfers().get(1).connects());
        assertEquals("third transfer reused it: " + run, 0, run.transfers().get(2).connects());
        assertEquals("app1", run.transfers().get(0).backend());
        assertEquals("each request on the connection is routed on its own Host", "app2",
                run.transfers().get(1).backend());
        assertEquals("default", run.transfers().get(2).backend());
        for (Curl.Transfer t : run.transfers()) {
            assertEquals(run.toString(), 200, t.status());
        }
    }

    // ------------------------------------------------------------------ seed config 2: pools

    /** The article's second block: a frontend and three backends, two pools of two servers. */
    private static String seedFrontend(int port, String frontendExtra, String serverExtra, HttpBackend a1,
            HttpBackend a2, HttpBackend b1, HttpBackend b2, HttpBackend fallback) {
        return String.join("\n",
                "frontend http-frontend",
                "    bind 127.0.0.1:" + port,
                "    mode http",
                frontendExtra,
                "    use_backend app1-cluster if hdr_dom(host) -i app1.example.com",
                "    use_backend app2-cluster if hdr_dom(host) -i app2.example.com",
                "    default_backend default-server",
                "backend app1-cluster",
                "    mode http",
                "    server app1-1 127.0.0.1:" + a1.port() + serverExtra,
                "    server app1-2 127.0.0.1:" + a2.port() + serverExtra,
                "backend app2-cluster",
                "    mode http",
                "    server app2-1 127.0.0.1:" + b1.port() + serverExtra,
                "    server app2-2 127.0.0.1:" + b2.port() + serverExtra,
                "backend default-server",
                "    mode http",
                "    server default 127.0.0.1:" + fallback.port(),
                "");
    }

    @Test
    public void seedFrontendRoutesToPoolsAndBothServersOfAPoolReceiveTraffic() throws Exception {
        HttpBackend a1 = httpBackend("app1-1");
        HttpBackend a2 = httpBackend("app1-2");
        HttpBackend b1 = httpBackend("app2-1");
        HttpBackend b2 = httpBackend("app2-2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedFrontend(port, "", "", a1, a2, b1, b2, fallback));
        awaitHttpRoute(port, "unknown.example.com", fallback);

        int a1Before = a1.requests();
        int a2Before = a2.requests();
        int b1Before = b1.requests();
        int b2Before = b2.requests();
        for (int i = 0; i < 10; i++) {
            String name = ok(port, "app1.example.com", "/a" + i).backend();
            assertTrue("app1 requests go to the app1 pool, got " + name, name.startsWith("app1-"));
            name = ok(port, "App2.Example.com:80", "/b" + i).backend();
            assertTrue("app2 requests go to the app2 pool, got " + name, name.startsWith("app2-"));
        }
        int a1n = a1.requests() - a1Before;
        int a2n = a2.requests() - a2Before;
        int b1n = b1.requests() - b1Before;
        int b2n = b2.requests() - b2Before;
        String counts = "app1-1 " + a1n + ", app1-2 " + a2n + ", app2-1 " + b1n + ", app2-2 " + b2n;
        assertTrue("both servers of app1-cluster receive traffic: " + counts, a1n > 0 && a2n > 0);
        assertTrue("both servers of app2-cluster receive traffic: " + counts, b1n > 0 && b2n > 0);
        assertEquals("every request reached exactly one server: " + counts, 20, a1n + a2n + b1n + b2n);
        assertTrue("roundrobin with equal weights shares evenly: " + counts,
                Math.abs(a1n - a2n) <= 1 && Math.abs(b1n - b2n) <= 1);
        assertEquals("unknown Host -> default_backend", "default", ok(port, "www.example.org", "/x").backend());
    }

    @Test
    public void optionForwardforAppendsTheClientToAnExistingXForwardedFor() throws Exception {
        HttpBackend a1 = httpBackend("app1-1");
        HttpBackend a2 = httpBackend("app1-2");
        HttpBackend b1 = httpBackend("app2-1");
        HttpBackend b2 = httpBackend("app2-2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedFrontend(port, "    option forwardfor", "", a1, a2, b1, b2, fallback));
        awaitHttpRoute(port, "unknown.example.com", fallback);

        Curl.Transfer fresh = ok(port, "app1.example.com", "/fresh");
        assertEquals("no X-Forwarded-For from the client: the proxy adds the client's address",
                List.of("127.0.0.1"), fresh.headers("X-Forwarded-For"));

        Curl.Run run = Curl.run(Curl.get(port, "/chained", "-H", "Host: app2.example.com",
                "-H", "X-Forwarded-For: 203.0.113.7"));
        assertEquals("curl: " + run, 0, run.exitCode());
        assertEquals(200, run.only().status());
        assertEquals("the client's address is appended to the existing chain: " + run.only().body(),
                "203.0.113.7, 127.0.0.1", String.join(", ", run.only().headers("X-Forwarded-For")));

        run = Curl.run(Curl.get(port, "/two-fields", "-H", "Host: app1.example.com",
                "-H", "X-Forwarded-For: 203.0.113.7", "-H", "X-Forwarded-For: 198.51.100.9"));
        assertEquals(200, run.only().status());
        assertEquals("two fields keep their order, the client comes last: " + run.only().body(),
                "203.0.113.7, 198.51.100.9, 127.0.0.1", String.join(", ", run.only().headers("X-Forwarded-For")));
    }

    @Test
    public void optionForwardedAddsAnRfc7239Field() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedListen(port, app1, app2, fallback).replace("    mode http\n",
                "    mode http\n    option forwarded\n"));
        await(ROUTE_WAIT, "option forwarded in force", () -> {
            Curl.Run r = curlGet(port, "app1.example.com", "/probe");
            if (r.exitCode() != 0 || r.transfers().size() != 1) {
                return r.toString();
            }
            return r.only().headers("Forwarded").isEmpty() ? "no Forwarded field yet: " + r.only().body() : null;
        });
        Curl.Transfer t = ok(port, "app1.example.com", "/fwd");
        assertEquals("app1", t.backend());
        List<String> fields = t.headers("Forwarded");
        assertEquals("one Forwarded field: " + t.body(), 1, fields.size());
        // RFC 7239 section 4: forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] ).
        // "for" is the client; "proto" and "host", when present, must tell the truth.
        Map<String, String> pairs = new HashMap<>();
        for (String pair : fields.get(0).split(";")) {
            int eq = pair.indexOf('=');
            assertTrue("a forwarded-pair is token=value: " + fields, eq > 0);
            assertNull("each parameter once: " + fields,
                    pairs.put(pair.substring(0, eq).trim().toLowerCase(Locale.ROOT), pair.substring(eq + 1)));
        }
        assertEquals("for= is the client's address: " + fields, "127.0.0.1", pairs.get("for"));
        if (pairs.containsKey("proto")) {
            assertEquals("a plain connection: " + fields, "http", pairs.get("proto"));
        }
        if (pairs.containsKey("host")) {
            assertEquals("the Host the client sent: " + fields, "app1.example.com", pairs.get("host"));
        }
    }

    @Test
    public void aStoppedServerIsTakenOutByItsHealthCheckAndComesBack() throws Exception {
        HttpBackend a1 = httpBackend("app1-1");
        HttpBackend a2 = httpBackend("app1-2");
        HttpBackend b1 = httpBackend("app2-1");
        HttpBackend b2 = httpBackend("app2-2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        try (LogTap log = LogTap.install()) {
            writeConfig(seedFrontend(port, "    option forwardfor", " check inter 200 fall 2 rise 2",
                    a1, a2, b1, b2, fallback));
            awaitHttpRoute(port, "app1.example.com", a1);
            awaitHttpRoute(port, "app1.example.com", a2);

            a1.stop();
            String down = log.awaitLine(l -> l.contains("app1-1 is DOWN"), CHECK_WAIT);
            assertNotNull("the health check must report app1-1 DOWN; printed meanwhile:\n" + log.text(), down);

            int a2Before = a2.requests();
            for (int i = 0; i < 10; i++) {
                Curl.Run run = curlGet(port, "app1.example.com", "/after-down-" + i);
                assertEquals("request " + i + " after app1-1 went down: " + run, 0, run.exitCode());
                assertEquals("request " + i + " after app1-1 went down: " + run, 200, run.only().status());
                assertEquals("request " + i + " goes to the server that is up", "app1-2", run.only().backend());
            }
            assertEquals("app1-2 served all ten", 10, a2.requests() - a2Before);
            String other = ok(port, "app2.example.com", "/other").backend();
            assertTrue("the other pool is untouched by app1-1's state, got " + other, other.startsWith("app2-"));

            a1.restart();
            String up = log.awaitLine(l -> l.contains("app1-1 is UP"), CHECK_WAIT);
            assertNotNull("the health check must report app1-1 UP again; printed meanwhile:\n" + log.text(), up);
            int a1Before = a1.requests();
            for (int i = 0; i < 10; i++) {
                assertEquals(200, curlGet(port, "app1.example.com", "/after-up-" + i).only().status());
            }
            assertTrue("app1-1 takes traffic again after rise: got " + (a1.requests() - a1Before) + " of 10",
                    a1.requests() - a1Before > 0);
        }
    }

    // ------------------------------------------------------------------ http-request rules

    @Test
    public void setHeaderIfSslFcDoesNotFireOnAPlainConnection() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        // The article's third block's rule, plus a control rule that must fire on plain
        // connections: it proves the rules are compiled and applied, so the absence of
        // X-Forwarded-Proto means ssl_fc was false, not that the rules were skipped.
        writeConfig(seedListen(port, app1, app2, fallback).replace("    mode http\n", String.join("\n",
                "    mode http",
                "    acl app2-host hdr_dom(host) -i app2.example.com",
                "    http-request set-header X-Forwarded-Proto https if app2-host { ssl_fc }",
                "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
                "    http-request set-header X-Plain yes unless { ssl_fc }",
                "")));
        await(ROUTE_WAIT, "http-request rules in force", () -> {
            Curl.Run r = curlGet(port, "app2.example.com", "/probe");
            if (r.exitCode() != 0 || r.transfers().size() != 1) {
                return r.toString();
            }
            return r.only().headers("X-Plain").isEmpty() ? "control header not set yet: " + r.only().body() : null;
        });
        for (String host : new String[] {"app1.example.com", "app2.example.com", "other.example.com"}) {
            Curl.Transfer t = ok(port, host, "/plain");
            assertEquals("control rule: " + t.body(), List.of("yes"), t.headers("X-Plain"));
            assertTrue("ssl_fc is false on a plain connection: no X-Forwarded-Proto: " + t.body(),
                    t.headers("X-Forwarded-Proto").isEmpty());
        }
        // A client's own X-Forwarded-Proto passes untouched when the rule does not fire.
        Curl.Run run = Curl.run(Curl.get(port, "/own", "-H", "Host: app2.example.com",
                "-H", "X-Forwarded-Proto: http"));
        assertEquals(List.of("http"), run.only().headers("X-Forwarded-Proto"));
    }

    @Test
    public void denyIfPathBegAdminAnswers403AndForwardsNothing() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        HttpBackend fallback = httpBackend("default");
        int port = freePort();
        writeConfig(seedListen(port, app1, app2, fallback).replace("    mode http\n",
                "    mode http\n    http-request deny if { path_beg /admin }\n"));
        await(ROUTE_WAIT, "deny rule in force", () -> {
            Curl.Run r = curlGet(port, "app1.example.com", "/admin/probe");
            if (r.exitCode() != 0 || r.transfers().size() != 1) {
                return r.toString();
            }
            return r.only().status() == 403 ? null : "status " + r.only().status() + " from " + r.only().backend();
        });
        Seen before = Seen.of(app1, app2, fallback);
        for (String path : new String[] {"/admin", "/admin/", "/admin/users?x=1", "/administrator"}) {
            Curl.Run run = curlGet(port, "app1.example.com", path);
            assertEquals("curl: " + run, 0, run.exitCode());
            assertEquals("GET " + path + ": " + run, 403, run.only().status());
        }
        before.assertUntouched("denied requests");
        Curl.Transfer t = ok(port, "app1.example.com", "/public/admin");
        assertEquals("path_beg matches the start of the path only", "app1", t.backend());
        assertNotEquals(403, t.status());
    }
}
