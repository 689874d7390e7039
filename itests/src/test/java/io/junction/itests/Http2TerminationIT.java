package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * HTTP/2 on a terminating bind, through the real router (core, junction-listener-tls,
 * junction-http with Netty's HTTP/2 codec in the framework), driven by the real {@code curl}
 * (nghttp2). Issue 4, acceptance item 2: a client that negotiates {@code h2} by ALPN is served
 * HTTP/2 and routed by {@code :authority} like an HTTP/1.1 request by {@code Host}; a request
 * coalesced onto a connection opened for another name (RFC 9113 section 9.1.1) is answered
 * 421 Misdirected Request (RFC 9110 section 15.5.20) and never reaches a server.
 *
 * <p>The router's {@code fullcert.pem} ({@link TlsTestPki}) has SAN {@code *.example.com}: it
 * covers app1 and app2, exactly the situation in which browsers coalesce.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class Http2TerminationIT extends HttpItSupport {

    /** Bundles this class adds to the HTTP ones; all must be ACTIVE. */
    private static final String[] H2_BUNDLES = {"io.netty.codec-http2", "io.junction.listener.tls"};

    /** Hard bound on one curl process; the transfer itself is bounded by --max-time. */
    private static final long CURL_WAIT_SECONDS = 40;
    private static final Pattern MARKER = Pattern.compile("\n@@h2 (\\S+) (\\d+)@@\n?$");

    @Configuration
    public Option[] configuration() {
        // Driver side: fullcert.pem exists before the framework (and the core) start.
        TlsTestPki.writeAll(workDir());
        // Not httpOptions(): netty-codec-http2 must be installed before junction-http resolves,
        // since junction-http imports io.netty.handler.codec.http2 optionally (without it the
        // bundle resolves anyway and simply never offers HTTP/2).
        return OptionUtils.combine(junctionOptions(Http2TerminationIT.class),
                fileBundle("netty-codec-compression"),
                fileBundle("netty-codec-http"),
                fileBundle("netty-codec-http2"),
                fileBundle("junction-http"),
                fileBundle("junction-sniffer-http"),
                fileBundle("bcprov"),
                fileBundle("bcutil"),
                fileBundle("bcpkix"),
                fileBundle("junction-listener-tls"));
    }

    @Before
    public void setUp() {
        installLeakGuard();
        assertHttpBundlesActive();
        for (String symbolicName : H2_BUNDLES) {
            Bundle found = null;
            for (Bundle b : context().getBundles()) {
                if (symbolicName.equals(b.getSymbolicName())) {
                    found = b;
                }
            }
            assertNotNull(symbolicName + " is not installed", found);
            assertEquals(symbolicName + " state (32 = ACTIVE)", Bundle.ACTIVE, found.getState());
        }
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    /** One curl transfer: the negotiated HTTP version as curl prints it ("2", "1.1"), the status, the body. */
    private record H2Run(int exitCode, String httpVersion, int status, String body, String stderr,
            List<String> command) {
        String versionAndStatus() {
            return httpVersion + " " + status;
        }

        /** The backend's name from an {@link HttpBackend} body, or null. */
        String backend() {
            for (String line : body.split("\n")) {
                if (line.startsWith("backend: ")) {
                    return line.substring("backend: ".length());
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return "curl exit " + exitCode + " '" + versionAndStatus() + "' body '" + body.strip() + "' stderr: "
                    + stderr.strip() + " command: " + command;
        }
    }

    /**
     * Test thread: {@code curl --http2 -sk --resolve NAME:PORT:127.0.0.1 [-H 'Host: host']
     * https://NAME:PORT/path}, with {@code -w '%{http_version} %{http_code}'} behind a marker.
     * Blocks until curl exits (bounded). {@link Curl#run} is not used because it owns {@code -w}.
     */
    private static H2Run curlH2(int port, String name, String host, String path)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "--http2", "-sSk", "--noproxy", "*", "--max-time",
                "15", "--resolve", name + ":" + port + ":127.0.0.1", "-w", "\n@@h2 %{http_version} %{http_code}@@\n"));
        if (host != null) {
            command.addAll(List.of("-H", "Host: " + host));
        }
        command.add("https://" + name + ":" + port + path);
        File err = File.createTempFile("curl-h2", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err);
            for (String proxyVar : List.of("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                    "ALL_PROXY")) {
                pb.environment().remove(proxyVar);
            }
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes(); // ends when curl exits (--max-time bounds it)
            if (!p.waitFor(CURL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("curl did not exit within " + CURL_WAIT_SECONDS + " s: " + command);
            }
            String stdout = new String(out, StandardCharsets.ISO_8859_1);
            String stderr = Files.readString(err.toPath(), StandardCharsets.ISO_8859_1);
            Matcher m = MARKER.matcher(stdout);
            if (!m.find()) {
                return new H2Run(p.exitValue(), "?", 0, stdout, stderr, command);
            }
            return new H2Run(p.exitValue(), m.group(1), Integer.parseInt(m.group(2)), stdout.substring(0, m.start()),
                    stderr, command);
        } finally {
            err.delete();
        }
    }

    /** One terminating bind offering h2, routing by Host/:authority to app1 and app2. */
    private static String config(int port, HttpBackend app1, HttpBackend app2) {
        return String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen h2-terminated",
                "    bind 127.0.0.1:" + port + " ssl crt fullcert.pem alpn h2,http/1.1",
                "    mode http",
                "    acl app1-host hdr_dom(host) -i app1.example.com",
                "    acl app2-host hdr_dom(host) -i app2.example.com",
                "    use-server app1 if app1-host",
                "    use-server app2 if app2-host",
                "    server app1 127.0.0.1:" + app1.port() + " weight 0",
                "    server app2 127.0.0.1:" + app2.port() + " weight 0",
                "");
    }

    @Test
    public void h2IsServedByHostAndACoalescedRequestGets421() throws Exception {
        HttpBackend app1 = httpBackend("app1");
        HttpBackend app2 = httpBackend("app2");
        int port = freePort();
        writeConfig(config(port, app1, app2));
        await(ROUTE_WAIT, "HTTP/2 GET https://app1.example.com:" + port + "/ -> app1", () -> {
            H2Run r = curlH2(port, "app1.example.com", null, "/probe");
            return r.exitCode() == 0 && r.versionAndStatus().equals("2 200") && "app1".equals(r.backend()) ? null
                    : r.toString();
        });

        // (a) curl --http2 -sk --resolve app1.example.com:P:127.0.0.1 https://app1.example.com:P/
        int app1Before = app1.requests();
        H2Run a = curlH2(port, "app1.example.com", null, "/");
        assertEquals("curl exit code: " + a, 0, a.exitCode());
        assertEquals("ALPN h2 on the terminating bind: HTTP/2, and the request routed: " + a, "2 200",
                a.versionAndStatus());
        assertEquals(a.toString(), "app1", a.backend());
        List<HttpBackend.Request> got = app1.received();
        assertEquals("exactly one request reached app1: " + got, app1Before + 1, got.size());
        HttpBackend.Request request = got.get(got.size() - 1);
        assertEquals("towards the server it is HTTP/1.1: " + request, "GET / HTTP/1.1", request.line());
        String host = HttpBackend.value(request, "host");
        assertNotNull("app1 got a Host header (from :authority): " + request, host);
        // curl's :authority carries the URL's port (not the default 443); it becomes Host unchanged.
        assertEquals("app1 saw the client's :authority as Host: " + request, "app1.example.com:" + port, host);

        // Control: the same Host on its own connection (SNI app2) is routed to app2 over HTTP/2,
        // so the 421 below is the coalescing check, not a missing route.
        H2Run own = curlH2(port, "app2.example.com", null, "/own-connection");
        assertEquals(own.toString(), 0, own.exitCode());
        assertEquals(own.toString(), "2 200", own.versionAndStatus());
        assertEquals(own.toString(), "app2", own.backend());

        // (b) A request for app2 coalesced onto an h2 connection whose SNI is app1: 421, unrouted.
        Seen before = Seen.of(app1, app2);
        H2Run b = curlH2(port, "app1.example.com", "app2.example.com", "/");
        assertEquals("curl exit code: " + b, 0, b.exitCode());
        assertEquals("Host/:authority app2 on a connection for SNI app1: 421 Misdirected Request: " + b, "2 421",
                b.versionAndStatus());
        assertTrue("the 421 is the router's own answer, not a server's: " + b, b.backend() == null);
        before.assertUntouched("a misdirected HTTP/2 request");
    }
}
