package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.RequestRoute;
import io.netty.handler.codec.http.HttpMethod;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 on TLS-terminated client connections, between real sockets on loopback: a real TLS
 * listener that negotiates ALPN h2 (as {@code bind ... ssl crt ... alpn h2,http/1.1}), the
 * HTTP mode, HTTP/1.1 servers, and real HTTP/2 clients (Netty's, and curl when installed).
 */
class Http2ModeTest {
    private TlsProxyHarness proxy;
    private InetSocketAddress proxyAddress;
    private TestBackend app1;
    private TestBackend app2;

    @BeforeEach
    void setUp() throws Exception {
        // One certificate for both names: the situation in which browsers coalesce connections.
        proxy = new TlsProxyHarness("app1.example.com", "app2.example.com");
        proxyAddress = proxy.listen();
        app1 = new TestBackend("app1", TestBackend.echo());
        app2 = new TestBackend("app2", TestBackend.echo());
        Map<String, RequestRoute> byHost = new LinkedHashMap<>();
        byHost.put("app1.", new TestRouter.ServerRoute("be/app1", app1.address()));
        byHost.put("app2.", new TestRouter.ServerRoute("be/app2", app2.address()));
        proxy.router.routing = TestRouter.byHost(byHost, TestRouter.status(503));
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        app1.close();
        app2.close();
    }

    private String authority(String host) {
        return host + ":" + proxyAddress.getPort();
    }

    @Test
    void requestsOfOneConnectionAreRoutedByAuthorityAndForwardedAsHttp11() throws Exception {
        proxy.handOverOnFirstRead = true; // the client preface arrives as the core's initial bytes
        try (H2Client client = new H2Client(proxyAddress, "app1.example.com")) {
            H2Client.Response r1 = client.send(HttpMethod.GET, "/one?x=1", authority("app1.example.com"), null);
            H2Client.Response r2 = client.send(HttpMethod.GET, "/two", authority("APP1.example.com"), null);
            H2Client.Response r3 = client.send(HttpMethod.POST, "/post", authority("app1.example.com"),
                    "hello".getBytes(StandardCharsets.US_ASCII));

            assertEquals(200, r1.status());
            assertEquals("app1 GET /one?x=1 0", r1.bodyText());
            assertEquals(200, r2.status());
            assertEquals("app1 GET /two 0", r2.bodyText());
            assertEquals(200, r3.status());
            assertEquals("app1 POST /post 5", r3.bodyText());
        }
        // The router saw each stream's :authority as Host, and its method and path.
        assertEquals(List.of(authority("app1.example.com"), authority("APP1.example.com"), authority("app1.example.com")),
                proxy.router.hosts);
        assertEquals(List.of("GET /one?x=1", "GET /two", "POST /post"), proxy.router.requestLines);
        // The server got HTTP/1.1 with Host = :authority, none of the codec's x-http2-* fields,
        // and one connection for the three sequential streams (pooled).
        Http.Msg seen = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals("GET /one?x=1 HTTP/1.1", seen.startLine());
        assertEquals(List.of(authority("app1.example.com")), seen.all("host"));
        for (String[] h : seen.headers()) {
            assertFalse(h[0].toLowerCase().startsWith("x-http2-"), "leaked " + h[0]);
        }
        assertNull(seen.header("connection"));
        assertEquals(1, app1.accepted.get());
        assertEquals(0, app2.accepted.get());
        Map<String, Long> c = proxy.mode.counters().snapshot();
        assertEquals(1L, c.get("h2_connections"));
        assertEquals(3L, c.get("h2_streams"));
        assertEquals(3L, c.get("forwarded"));
    }

    @Test
    void aRequestForAnotherHostOnTheConnectionIsMisdirected() throws Exception {
        try (H2Client client = new H2Client(proxyAddress, "app1.example.com")) {
            H2Client.Response other = client.send(HttpMethod.GET, "/x", authority("app2.example.com"), null);
            H2Client.Response own = client.send(HttpMethod.GET, "/y", authority("app1.example.com"), null);

            assertEquals(421, other.status());
            assertTrue(other.bodyText().contains("421 Misdirected Request"), other.bodyText());
            assertEquals(200, own.status(), "the connection stays usable for its own host");
            assertEquals("app1 GET /y 0", own.bodyText());
        }
        assertEquals(0, app2.accepted.get(), "a misdirected request reaches no server");
        assertEquals(1, proxy.router.routed.get(), "nor the routing rules");
        assertEquals(1L, proxy.mode.counters().snapshot().get("misdirected"));
    }

    @Test
    void withoutSniEveryAuthorityIsRouted() throws Exception {
        // No server name chose anything: there is nothing a request could be misdirected from.
        try (H2Client client = new H2Client(proxyAddress, null)) {
            assertEquals("app2 GET /b 0", client.send(HttpMethod.GET, "/b", authority("app2.example.com"), null).bodyText());
            assertEquals("app1 GET /a 0", client.send(HttpMethod.GET, "/a", authority("app1.example.com"), null).bodyText());
        }
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        byte[] big = new byte[6 * 1024 * 1024 + 17];
        new SecureRandom().nextBytes(big);
        app1.script((s, in, out, b) -> {
            Http.Msg req;
            while ((req = Http.readRequest(in)) != null) {
                b.requests.add(req);
                if (req.method().equals("POST")) {
                    String body = "got " + req.body().length;
                    Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                } else {
                    // Chunked, so the proxy cannot know the length: only END_STREAM ends it.
                    Http.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    for (int off = 0; off < big.length; off += 100_000) {
                        int n = Math.min(100_000, big.length - off);
                        Http.write(out, Integer.toHexString(n) + "\r\n");
                        out.write(big, off, n);
                        Http.write(out, "\r\n");
                    }
                    Http.write(out, "0\r\n\r\n");
                    out.flush();
                }
            }
        });
        try (H2Client client = new H2Client(proxyAddress, "app1.example.com")) {
            H2Client.Response down = client.send(HttpMethod.GET, "/big", authority("app1.example.com"), null);
            assertEquals(200, down.status());
            assertNull(down.headers().get("transfer-encoding"), "no HTTP/1.1 framing in HTTP/2");
            assertArrayEquals(big, down.body());

            H2Client.Response up = client.send(HttpMethod.POST, "/up", authority("app1.example.com"), big);
            assertEquals(200, up.status());
            assertEquals("got " + big.length, up.bodyText());
        }
        app1.requests.poll(5, TimeUnit.SECONDS);
        assertArrayEquals(big, app1.requests.poll(5, TimeUnit.SECONDS).body());
    }

    @Test
    void noServerIs503AndDenyIsItsStatusOnTheStream() throws Exception {
        proxy.router.routing = f -> TestRouter.status(403);
        try (H2Client client = new H2Client(proxyAddress, "app1.example.com")) {
            assertEquals(403, client.send(HttpMethod.GET, "/", authority("app1.example.com"), null).status());
            proxy.router.routing = f -> TestRouter.status(503);
            assertEquals(503, client.send(HttpMethod.GET, "/", authority("app1.example.com"), null).status());
            // A server that cannot be reached: 503 as well.
            InetSocketAddress closed;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                closed = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
            }
            RequestRoute nowhere = new TestRouter.ServerRoute("be/gone", closed);
            proxy.router.routing = f -> nowhere;
            assertEquals(503, client.send(HttpMethod.GET, "/", authority("app1.example.com"), null).status());
        }
    }

    @Test
    void aServerThatBreaksOffMidResponseResetsOnlyItsStream() throws Exception {
        app2.script((s, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part");
            out.flush();
        });
        try (H2Client client = new H2Client(proxyAddress, null)) {
            java.util.concurrent.ExecutionException broken = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> client.send(HttpMethod.GET, "/cut", authority("app2.example.com"), null));
            assertTrue(broken.getCause() != null, "the response must not look complete");
            assertEquals("app1 GET /after 0",
                    client.send(HttpMethod.GET, "/after", authority("app1.example.com"), null).bodyText(),
                    "the connection and its other streams carry on");
        }
        assertEquals(1L, proxy.mode.counters().snapshot().get("server_aborted"));
    }

    @Test
    void hostComparisonIgnoresPortCaseAndTrailingDot() {
        assertTrue(TlsConnection.sameHost("App1.Example.COM:8443", "app1.example.com"));
        assertTrue(TlsConnection.sameHost("app1.example.com.", "app1.example.com"));
        assertTrue(TlsConnection.sameHost(" app1.example.com ", "app1.example.com."));
        assertFalse(TlsConnection.sameHost("app1.example.com.evil", "app1.example.com"));
        assertFalse(TlsConnection.sameHost("app1.example.co", "app1.example.com"));
        assertFalse(TlsConnection.sameHost("[::1]:443", "app1.example.com"));
        assertFalse(TlsConnection.sameHost("", "app1.example.com"));
    }

    // ------------------------------------------------------------------ HTTP/1.1 on TLS

    @Test
    void http11OnTlsIsRoutedByHostUnlessStrictSniHostIsOn() throws Exception {
        // Without the option a Host that differs from the SNI is routed by Host (HAProxy's default).
        try (SSLSocket s = tlsSocket("app1.example.com")) {
            Http.write(s.getOutputStream(), "GET /f HTTP/1.1\r\nHost: app2.example.com\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(200, r.status());
            assertEquals("app2 GET /f 0", r.bodyText());
        }
        proxy.router.options = Set.of(FrontHandler.STRICT_SNI_HOST);
        try (SSLSocket s = tlsSocket("app1.example.com")) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Http.write(out, "GET /ok HTTP/1.1\r\nHost: App1.Example.com:443\r\n\r\n");
            Http.Msg ok = Http.readFinalResponse(in, false);
            assertEquals("app1 GET /ok 0", ok.bodyText(), "same host, other case and a port: allowed");
            Http.write(out, "GET /fronted HTTP/1.1\r\nHost: app2.example.com\r\n\r\n");
            Http.Msg fronted = Http.readFinalResponse(in, false);
            assertEquals(421, fronted.status());
        }
        assertEquals(1, app2.accepted.get(), "only the request sent without the option reached app2");
        assertEquals(1L, proxy.mode.counters().snapshot().get("misdirected"));
    }

    private SSLSocket tlsSocket(String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(proxyAddress.getAddress(), proxyAddress.getPort());
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        s.setSSLParameters(p); // no ALPN: the server falls back to HTTP/1.1
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    // ------------------------------------------------------------------ curl

    @Test
    void curlSpeaksHttp2ThroughTheTerminatingListener() throws Exception {
        File curl = new File("/usr/bin/curl");
        Assumptions.assumeTrue(curl.canExecute(), "curl is not installed");
        String port = Integer.toString(proxyAddress.getPort());
        List<String> own = curl("--http2", "-sk", "--resolve", "app1.example.com:" + port + ":127.0.0.1",
                "-w", "\n%{http_version} %{http_code}", "https://app1.example.com:" + port + "/curl");
        assertEquals(List.of("app1 GET /curl 0", "2 200"), own);
        // Same connection name (SNI app1), another :authority: what a coalescing browser sends.
        List<String> coalesced = curl("--http2", "-sk", "--resolve", "app1.example.com:" + port + ":127.0.0.1",
                "-H", "Host: app2.example.com", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "https://app1.example.com:" + port + "/other");
        assertEquals(List.of("2 421"), coalesced);
        assertEquals(0, app2.accepted.get());
    }

    private static List<String> curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/curl");
        cmd.add("--max-time");
        cmd.add("20");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "curl did not end");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "curl failed: " + text);
        return List.of(text.split("\n"));
    }
}
