package io.junction.core.internal.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.core.internal.config.ConfigProblem;
import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.FrontendRoutes;
import java.io.IOException;
import java.net.Inet6Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigCompilerTest {

    /** The source article's SNI configuration, verbatim but for the addresses. */
    static final String ARTICLE_SNI = """
            listen https-server
            bind :443
            mode tcp
            tcp-request inspect-delay 10s
            tcp-request content accept if req.ssl_hello_type 1
            tcp-request content reject if WAIT_END
            use-server app1-tls if req.ssl_sni -i app1.example.com
            server app1-tls 127.0.0.1:3001 weight 0
            use-server app2-tls if req.ssl_sni -i app2.example.com
            server app2-tls 127.0.0.1:8443 weight 0
            server default 127.0.0.1:443
            """;

    @TempDir
    Path dir;

    private Path file;

    CompiledConfig compile(String text, Plugins plugins) throws IOException {
        file = dir.resolve("junction.cfg");
        Files.writeString(file, text);
        HaproxyConfigReader.Result read = HaproxyConfigReader.read(List.of(file));
        return ConfigCompiler.compile(read.sections(), read.problems(), plugins);
    }

    private static String problems(CompiledConfig c) {
        return c.problems().stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void articleSniConfigCompilesCleanly() throws IOException {
        CompiledConfig c = compile("global\n    maxconn 100\ndefaults\n    timeout connect 5s\n    timeout client 30s\n"
                + "    timeout server 30s\n" + ARTICLE_SNI, FakePlugins.all());
        assertEquals("", problems(c));
        assertEquals(100, c.maxconn());
        FrontendRoutes f = c.frontends().get(0);
        assertEquals("https-server", f.name());
        assertEquals(443, f.binds().get(0).address().getPort());
        assertTrue(f.binds().get(0).address().getAddress().isAnyLocalAddress());
        assertEquals(10_000, f.inspectDelay());
        assertEquals(1, f.sniffers().length, "the rules need exactly the TLS sniffer");
        assertEquals(64, f.peekLimit());
        assertEquals(5_000, f.timeouts().connect());
        assertEquals(30_000, f.timeouts().client());
        assertEquals(3, f.defaultBackend().servers().size());
    }

    @Test
    void frontendWithoutSniffingRulesRunsNoSniffer() throws IOException {
        CompiledConfig c = compile("listen plain\n bind :80\n server s 127.0.0.1:8080\n", FakePlugins.all());
        assertEquals("", problems(c));
        assertEquals(0, c.frontends().get(0).sniffers().length);
    }

    @Test
    void unknownKeywordIsAnErrorWithFileLineAndHint() throws IOException {
        CompiledConfig c = compile("listen x\n bind :80\n use_server a if TRUE\n server a 127.0.0.1:1\n", FakePlugins.all());
        assertTrue(c.hasErrors());
        assertEquals(file + ":3: unknown keyword 'use_server' in section 'listen x' (did you mean 'use-server'?)",
                problems(c));
    }

    /** One bad line per case: the message and the line it is reported on. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "timeout connect 5 parsecs                       | 'timeout' needs a name and a duration",
        "timeout connect 5x                              | unknown time unit 'x'",
        "timeout sideways 5s                             | unknown timeout 'sideways'",
        "maxconn -3                                      | is not a positive number",
        "mode udp                                        | 'mode' takes tcp or http",
        "server s2 127.0.0.1:99999                       | port 99999 out of range",
        "server s2 127.0.0.1:1 weight 300                | weight must be a number from 0 to 256",
        "server s2 127.0.0.1:1 frobnicate                | unknown server option 'frobnicate'",
        "server s2 unix@/tmp/x                           | only the ipv4@ and ipv6@ prefixes are supported",
        "server s 127.0.0.1:2                            | server 's' already exists",
        "use-server nosuch if TRUE                       | no server named 'nosuch'",
        "use-server s                                    | 'use-server' needs a server name and a condition",
        "use-server s if nosuchacl                       | unknown ACL 'nosuchacl'",
        "use-server s if req.ssl_sni                     | has no pattern to match",
        "use-server s if req.ssl_sni -m nosuch x         | unknown match method 'nosuch'",
        "use-server s if req.ssl_sni -z x                | unknown ACL flag '-z'",
        "use-server s if req.ssl_sni(1) x                | req.ssl_sni takes no arguments",
        "use-server s if req.ssl_sni,lower x             | converters are not supported yet",
        "use-server s if { req.ssl_sni x                 | '{' without a matching '}'",
        "use-server s if req.ssl_hello_type abc          | 'abc' is not an integer",
        "use-server s if TRUE or                         | condition ends with 'or'",
        "tcp-request content drop if TRUE                | supports accept and reject, not 'drop'",
        "tcp-request inspect-delay                       | takes one duration",
        "default_backend nosuch                          | no backend named 'nosuch'",
        "use_backend nosuch if TRUE                      | no backend named 'nosuch'",
        "bind :80-90                                     | port ranges are not supported",
        "bind 127.0.0.1                                  | needs a port",
        "bind :81 frobnicate                             | unknown bind option 'frobnicate'",
        "balance first                                   | balance 'first' is not supported",
        "retries many                                    | 'many' is not a number from 0 to 100",
        "server s2 127.0.0.1:1 check rise 0              | rise must be a number from 1 to 100",
        "server s2 127.0.0.1:1 check inter soon          | 'soon' is not a duration",
        "server s2 127.0.0.1:1 check port 0              | check port must be 1..65535",
        "option frobnicate                               | unknown option 'frobnicate'",
        "option forwardfor except 127.0.0.0/8            | arguments of option forwardfor (except 127.0.0.0/8) are not supported yet",
    })
    void badLinesAreErrorsOnTheirLine(String line, String message) throws IOException {
        CompiledConfig c = compile("listen x\n bind :80\n server s 127.0.0.1:1\n " + line + "\n", FakePlugins.all());
        String got = problems(c);
        assertTrue(c.hasErrors(), got);
        assertTrue(got.startsWith(file + ":4: "), got);
        assertTrue(got.contains(message.strip()), got);
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() throws IOException {
        CompiledConfig c = compile("global\n bogus 1\nlisten x\n bind :80\n server s 127.0.0.1:notaport\n"
                + " use-server t if TRUE\n timeout client forever\n", FakePlugins.all());
        List<ConfigProblem> errors = c.problems();
        assertEquals(4, errors.size(), problems(c));
        assertEquals(List.of(2, 5, 6, 7), errors.stream().map(p -> Integer.parseInt(p.location()
                .substring(p.location().lastIndexOf(':') + 1))).toList());
    }

    @Test
    void fetchOfAnAbsentKnownBundleIsPendingNotAnError() throws IOException {
        String cfg = "listen x\n bind :80\n use-server a if req.ssl_sni -i a.example\n server a 127.0.0.1:1 weight 0\n"
                + " server d 127.0.0.1:2\n";
        CompiledConfig c = compile(cfg, FakePlugins.withoutSniffer());
        assertFalse(c.hasErrors(), problems(c));
        assertEquals(file + ":3: pending: fetch 'req.ssl_sni': no installed bundle provides it (install "
                + "junction-sniffer-tls); this rule is skipped until then", problems(c));
        assertEquals(1, c.frontends().size(), "the rest of the frontend is served");
        assertEquals(0, c.frontends().get(0).sniffers().length);
    }

    @Test
    void pendingAccessRuleKeepsTheFrontendUnserved() throws IOException {
        CompiledConfig c = compile(ARTICLE_SNI, FakePlugins.withoutSniffer());
        assertFalse(c.hasErrors(), problems(c));
        assertTrue(problems(c).contains(":5: pending: fetch 'req.ssl_hello_type'"), problems(c));
        assertTrue(problems(c).contains("an access rule is never skipped"), problems(c));
        assertEquals(List.of(), c.frontends());
    }

    @Test
    void typoIsNotMistakenForAMissingPlugin() throws IOException {
        CompiledConfig c = compile("listen x\n bind :80\n use-server a if req.ssl_snii -i a\n server a 127.0.0.1:1\n",
                FakePlugins.withoutSniffer());
        assertTrue(c.hasErrors());
        assertTrue(problems(c).contains(":3: unknown ACL 'req.ssl_snii'"), problems(c));
    }

    @Test
    void serverOptionOfAnAbsentBundleMakesTheServerUnusable() throws IOException {
        CompiledConfig c = compile("listen x\n bind :80\n server local 127.0.0.1:10443 send-proxy\n", FakePlugins.all());
        assertFalse(c.hasErrors(), problems(c));
        assertTrue(problems(c).contains("server option 'send-proxy': no installed bundle provides it (install "
                + "junction-backend-proxy-protocol); server 'local' is unusable until then"), problems(c));
        assertTrue(c.frontends().get(0).defaultBackend().servers().get(0).pendingReason() != null);
    }

    @Test
    void httpModeIsPendingUntilItsBundleIsThere() throws IOException {
        CompiledConfig c = compile("listen http-server\n bind :80\n mode http\n server d 127.0.0.1:1\n",
                FakePlugins.withoutSniffer());
        assertFalse(c.hasErrors(), problems(c));
        assertTrue(problems(c).contains(":3: pending: mode http"), problems(c));
        assertEquals(List.of(), c.frontends());
    }

    @Test
    void connectionRulesParseActionsAndRejectSniffedFetches() throws IOException {
        CompiledConfig c = compile("listen x\n bind :1\n tcp-request connection expect-proxy layer4 if { dst_port 1 }\n"
                + " tcp-request connection reject if { dst_port 2 }\n server s 127.0.0.1:1\n", FakePlugins.all());
        assertEquals("", problems(c));
        assertTrue(c.frontends().get(0).hasConnectionRules());
        c = compile("listen x\n bind :1\n tcp-request connection reject if { req.ssl_sni -i a }\n server s 127.0.0.1:1\n",
                FakePlugins.all());
        assertTrue(problems(c).contains(":3: 'tcp-request connection' rules are evaluated at accept"), problems(c));
        c = compile("listen x\n bind :1\n tcp-request connection expect-proxy layer7\n server s 127.0.0.1:1\n",
                FakePlugins.all());
        assertTrue(problems(c).contains(":3: expect-proxy supports layer4 only"), problems(c));
        c = compile("listen x\n bind :1\n tcp-request connection expect-proxy layer4\n server s 127.0.0.1:1\n",
                FakePlugins.withoutSniffer());
        assertFalse(c.hasErrors(), problems(c));
        assertTrue(problems(c).contains("pending: tcp-request connection action 'expect-proxy'"), problems(c));
        assertEquals(List.of(), c.frontends(), "an access rule is never skipped");
        c = compile("listen x\n bind :1\n tcp-request connection frob\n server s 127.0.0.1:1\n", FakePlugins.all());
        assertTrue(problems(c).contains(":3: unknown 'tcp-request connection' action 'frob'"), problems(c));
    }

    @Test
    void addressForms() throws Exception {
        assertEquals(8443, Addresses.parse(":8443", true).address().getPort());
        Addresses.Parsed v6 = Addresses.parse("2001:db8::10:3000", false);
        assertEquals(3000, v6.address().getPort());
        assertEquals("2001:db8:0:0:0:0:0:10", v6.address().getAddress().getHostAddress());
        assertEquals("::1", Addresses.parse("[::1]:8443", true).address().getAddress().getHostAddress().replace("0:0:0:0:0:0:0:1", "::1"));
        Addresses.Parsed any6 = Addresses.parse("ipv6@:80", true);
        assertTrue(any6.address().getAddress() instanceof Inet6Address);
        assertTrue(any6.address().getAddress().isAnyLocalAddress());
        assertEquals(java.net.StandardProtocolFamily.INET, Addresses.parse("ipv4@:80", true).family());
        assertEquals(0, Addresses.parse("127.0.0.1", false).address().getPort(), "no port: the client's port");
    }

    @Test
    void ipv6AtBindIsIpv6OnlySoThatBothFamiliesCanShareAPort() throws IOException {
        CompiledConfig c = compile("listen server\n bind ipv4@:80\n bind ipv6@:80\n server d 127.0.0.1:1\n",
                FakePlugins.all());
        assertEquals("", problems(c));
        var binds = c.frontends().get(0).binds();
        assertNull(binds.get(0).v6only());
        assertEquals(Boolean.TRUE, binds.get(1).v6only());
        assertTrue(binds.get(1).address().getAddress() instanceof Inet6Address);
    }

    @Test
    void healthChecksAndBalancingAreCompiled() throws IOException {
        CompiledConfig c = compile("defaults\n option redispatch\n retries 2\n timeout check 700ms\n"
                + "listen x\n bind :1\n balance leastconn\n option httpchk GET /health HTTP/1.1\n"
                + " server a 127.0.0.1:8080 check inter 3s rise 4 fall 5 port 9000\n server b 127.0.0.1:8081\n",
                FakePlugins.all());
        assertEquals("", problems(c));
        var pool = c.frontends().get(0).defaultBackend();
        assertEquals(2, pool.retries());
        assertTrue(pool.redispatch());
        var a = pool.servers().get(0).check();
        assertEquals(3_000, a.intervalMillis());
        assertEquals(4, a.rise());
        assertEquals(5, a.fall());
        assertEquals(9000, a.port());
        assertEquals(700, a.timeoutMillis());
        assertEquals("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                new String(a.httpRequest(), java.nio.charset.StandardCharsets.ISO_8859_1));
        assertNull(pool.servers().get(1).check());
        assertEquals("OPTIONS / HTTP/1.0\r\nConnection: close\r\n\r\n", new String(ConfigCompiler.httpCheckRequest(
                List.of(), new java.net.InetSocketAddress("127.0.0.1", 1)), java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void durations() throws Exception {
        assertEquals(10_000, Durations.parseMillis("10s"));
        assertEquals(250, Durations.parseMillis("250"));
        assertEquals(1, Durations.parseMillis("500us"));
        assertEquals(120_000, Durations.parseMillis("2m"));
        assertEquals(3_600_000, Durations.parseMillis("1h"));
    }

    @Test
    void defaultsApplyToLaterSectionsOnly() throws IOException {
        CompiledConfig c = compile("listen a\n bind :1\n server s 127.0.0.1:1\ndefaults\n timeout connect 7s\n"
                + "listen b\n bind :2\n server s 127.0.0.1:1\n", FakePlugins.all());
        assertEquals("", problems(c));
        assertEquals(5_000, c.frontends().get(0).timeouts().connect());
        assertEquals(7_000, c.frontends().get(1).timeouts().connect());
    }

    @Test
    void warningsForAcceptedButUnappliedKeywords() throws IOException {
        CompiledConfig c = compile("global\n daemon\n log /dev/log local0\nlisten x\n bind :1\n option tcplog\n"
                + " server s 127.0.0.1:1 fastinter 1s\n", FakePlugins.all());
        assertFalse(c.hasErrors(), problems(c));
        assertEquals(4, c.problems().size(), problems(c));
        assertTrue(c.problems().stream().allMatch(p -> p.severity() == ConfigProblem.Severity.WARNING));
    }
}
