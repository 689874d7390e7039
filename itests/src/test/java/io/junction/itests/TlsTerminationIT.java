package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
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
 * TLS termination, re-encryption and ALPN routing with the real bundles (junction-listener-tls,
 * junction-backend-tls, the PROXY protocol bundle for the local hop, the HTTP mode), real TLS on
 * both sides and real clients (the JDK's, {@code curl}, {@code openssl s_client}). Issue 4,
 * acceptance items 1, 2 (ALPN routing in TCP mode) and 3 (certificates reloaded from disk).
 *
 * <p>Certificates: {@link TlsTestPki} makes a CA and the leaves on the driver side before the
 * framework starts, next to the config file, so that the article's relative names
 * ({@code crt fullcert.pem}, {@code ca-file ca-certificates.crt}) are written as printed.
 *
 * <p>Binds are on 127.0.0.1 where the article writes {@code bind :443} and {@code bind :80}: the
 * tests listen on loopback only.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TlsTerminationIT extends HttpItSupport {

    private static final String[] TLS_BUNDLES = {
        "io.junction.listener.tls", "io.junction.backend.tls", "io.junction.backend.proxy.protocol",
        "io.junction.matcher.net",
    };

    /** The router's own certificate, as JDK clients print its subject. */
    private static final String ROUTER = "CN=" + TlsTestPki.ROUTER_CN;

    /** A second loopback address for the client, so that it cannot be mistaken for the local hop (127.0.0.1). */
    private static final InetAddress CLIENT = NetItSupport.literal("127.0.0.5");

    /** Bound on the certificate reload: the default check period is 5 s. */
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(15);

    @Configuration
    public Option[] configuration() {
        // Driver side: the certificates exist before the framework (and the core) start.
        TlsTestPki.writeAll(workDir());
        return OptionUtils.combine(httpOptions(TlsTerminationIT.class),
                fileBundle("netty-codec-haproxy"),
                fileBundle("junction-matcher-net"),
                fileBundle("junction-backend-proxy-protocol"),
                fileBundle("bcprov"),
                fileBundle("bcutil"),
                fileBundle("bcpkix"),
                fileBundle("junction-listener-tls"),
                fileBundle("junction-backend-tls"));
    }

    @Before
    public void setUp() {
        installLeakGuard();
        assertHttpBundlesActive();
        for (String symbolicName : TLS_BUNDLES) {
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

    /** Where {@link TlsTestPki} wrote the certificates: beside the config file. */
    private Path certs() {
        return configFile().getParent();
    }

    private HttpsBackend httpsBackend(String name, String keyStore, String... alpn) throws Exception {
        return closeLater(HttpsBackend.start(name, certs(), keyStore, alpn));
    }

    // ------------------------------------------------------------------ the article's fourth configuration

    /** The backends of the article's fourth configuration. */
    private record Seed(HttpsBackend app1Tls, HttpBackend app1, HttpBackend app2, HttpsBackend defaultTls,
            HttpBackend fallback) {
    }

    private Seed seedBackends(String defaultTlsKeyStore) throws Exception {
        return new Seed(httpsBackend("app1-tls", "app1"), httpBackend("app1"), httpBackend("app2"),
                httpsBackend("default-tls", defaultTlsKeyStore), httpBackend("default"));
    }

    /**
     * The article's fourth configuration as printed, addresses local: {@code tls} is the TCP-mode
     * TLS port ({@code bind :443}), {@code http} the plain HTTP port ({@code bind :80}),
     * {@code local} the terminating hop ({@code 127.0.0.1:10443}). {@code extra} lines go at the
     * end of {@code listen http-server}.
     */
    private static String seedConfig(int tls, int http, int local, Seed s, String... extra) {
        return String.join("\n",
                "global",
                "    maxconn 1000",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen https-server",
                "    bind 127.0.0.1:" + tls,
                "    mode tcp",
                "    tcp-request inspect-delay 10s",
                "    tcp-request content accept if req.ssl_hello_type 1",
                "    tcp-request content reject if WAIT_END",
                "    use-server app1-tls if req.ssl_sni -i app1.example.com",
                "    server app1-tls 127.0.0.1:" + s.app1Tls().port() + " weight 0",
                "    server local 127.0.0.1:" + local + " send-proxy",
                "",
                "listen http-server",
                "    bind 127.0.0.1:" + http,
                "    bind 127.0.0.1:" + local + " ssl crt fullcert.pem accept-proxy",
                "    mode http",
                "    acl app1-host hdr_dom(host) -i app1.example.com",
                "    acl app2-host hdr_dom(host) -i app2.example.com",
                "    use-server app1-tls if app1-host { ssl_fc }",
                "    use-server app1 if app1-host",
                "    server app1-tls 127.0.0.1:" + s.app1Tls().port()
                        + " ssl ca-file ca-certificates.crt sni req.hdr(host) weight 0",
                "    server app1 127.0.0.1:" + s.app1().port() + " weight 0",
                "    http-request set-header X-Forwarded-Proto https if app2-host { ssl_fc }",
                "    use-server app2 if app2-host",
                "    server app2 127.0.0.1:" + s.app2().port() + " weight 0",
                "    use-server default-tls if { ssl_fc }",
                "    server default-tls 127.0.0.1:" + s.defaultTls().port()
                        + " ssl ca-file ca-certificates.crt sni req.hdr(host) weight 0",
                "    server default 127.0.0.1:" + s.fallback().port(),
                String.join("\n", extra),
                "");
    }

    /** One HTTPS GET through the router's TLS port from 127.0.0.1, HTTP/1.1 only. */
    private static HttpsProbe.Answer https(int port, String sni, String host, String path) throws Exception {
        return HttpsProbe.exchange(LOOPBACK, port, sni, List.of("http/1.1"), host, path);
    }

    /** Polls until an HTTPS GET through {@code port} with {@code sni}/{@code host} is answered by {@code backend}. */
    private void awaitHttps(int port, String sni, String host, String backend) throws Exception {
        await(ROUTE_WAIT, "HTTPS 127.0.0.1:" + port + " SNI " + sni + " Host " + host + " -> " + backend, () -> {
            HttpsProbe.Answer a = https(port, sni, host, "/probe");
            return a.status() == 200 && backend.equals(a.field("backend")) ? null : a.toString();
        });
    }

    /** A curl GET of https://NAME:PORT/path resolved to 127.0.0.1, verifying against the test CA. */
    private Curl.Run curlHttps(int port, String name, String path, String... extra) throws Exception {
        List<String> op = new java.util.ArrayList<>(List.of("--resolve", name + ":" + port + ":127.0.0.1",
                "--cacert", certs().resolve("ca-certificates.crt").toString(), "--http1.1"));
        op.addAll(List.of(extra));
        op.add("https://" + name + ":" + port + path);
        return Curl.run(op);
    }

    @Test
    public void seedFourthConfigurationPassesApp1ThroughAndTerminatesTheRest() throws Exception {
        Seed s = seedBackends("default");
        int tls = freePort();
        int http = freePort();
        int local = freePort();
        writeConfig(seedConfig(tls, http, local, s));
        awaitHttpRoute(http, "app2.example.com", s.app2());
        awaitHttps(tls, "app2.example.com", "app2.example.com", "app2");

        // app1 by SNI: passed through; the client talks TLS with app1 itself.
        HttpsProbe.Answer a = https(tls, "app1.example.com", "app1.example.com", "/passthrough");
        assertEquals("passthrough: the client sees app1's own certificate: " + a, "CN=app1.example.com",
                a.peerSubject());
        assertEquals(a.toString(), 200, a.status());
        assertEquals(a.toString(), "app1-tls", a.field("backend"));
        assertEquals("app1 got the client's own SNI: " + a, "app1.example.com", a.field("sni"));
        assertTrue("nothing is added inside a passed-through stream: " + a, a.headers("X-Forwarded-Proto").isEmpty());
        HttpsProbe.SClient sc = HttpsProbe.sClient(tls, "app1.example.com", null);
        assertEquals("openssl s_client -servername app1.example.com: " + sc.output(), "subject=CN = app1.example.com",
                sc.subject());
        Curl.Run run = curlHttps(tls, "app1.example.com", "/curl-passthrough");
        assertEquals("curl verifies app1's certificate for app1.example.com against the CA: " + run, 0,
                run.exitCode());
        assertEquals(run.toString(), "app1-tls", run.only().backend());

        // app2 by SNI: terminated by the router (its fullcert.pem), sent on in clear with X-Forwarded-Proto.
        a = https(tls, "app2.example.com", "app2.example.com", "/terminated");
        assertEquals("terminated: the client sees the router's certificate: " + a, ROUTER, a.peerSubject());
        assertEquals(a.toString(), 200, a.status());
        assertEquals(a.toString(), "app2", a.field("backend"));
        assertEquals("app2-host { ssl_fc } sets X-Forwarded-Proto: " + a, List.of("https"),
                a.headers("X-Forwarded-Proto"));
        sc = HttpsProbe.sClient(tls, "app2.example.com", null);
        assertEquals("openssl s_client -servername app2.example.com: " + sc.output(),
                "subject=CN = " + TlsTestPki.ROUTER_CN, sc.subject());
        run = curlHttps(tls, "app2.example.com", "/curl-terminated");
        assertEquals("curl verifies the router's certificate against the CA: " + run, 0, run.exitCode());
        Curl.Transfer t = run.only();
        assertEquals(run.toString(), 200, t.status());
        assertEquals(run.toString(), "app2", t.backend());
        assertEquals(run.toString(), List.of("https"), t.headers("X-Forwarded-Proto"));

        // app2 over plain HTTP: no ssl_fc, no X-Forwarded-Proto.
        t = ok(http, "app2.example.com", "/plain");
        assertEquals("app2", t.backend());
        assertTrue("X-Forwarded-Proto only on TLS connections: " + t.body(), t.headers("X-Forwarded-Proto").isEmpty());

        // app1 reached over the terminating path (SNI other, Host app1): re-encrypted towards app1,
        // with the SNI taken from the Host header.
        int app1TlsBefore = s.app1Tls().hellos().size();
        a = https(tls, "other.example.com", "app1.example.com", "/reencrypted");
        assertEquals("SNI other.example.com is terminated by the router: " + a, ROUTER, a.peerSubject());
        assertEquals(a.toString(), 200, a.status());
        assertEquals("Host app1 on a TLS connection -> app1-tls: " + a, "app1-tls", a.field("backend"));
        assertEquals("the router re-encrypted with SNI from the Host header: " + a, "app1.example.com",
                a.field("sni"));
        List<HttpsBackend.Hello> hellos = s.app1Tls().hellos();
        assertEquals("one new handshake reached app1: " + hellos, app1TlsBefore + 1, hellos.size());
        assertEquals("app1's own record of that handshake: " + hellos, "app1.example.com",
                hellos.get(hellos.size() - 1).sni());
        run = curlHttps(tls, "other.example.com", "/curl-reencrypted", "-H", "Host: app1.example.com:" + tls);
        assertEquals(run.toString(), 0, run.exitCode());
        assertEquals(run.toString(), "app1-tls", run.only().backend());
        assertEquals("the Host carries a port; the SNI sent drops it: " + run, List.of("app1.example.com"),
                sniOf(run.only()));

        // app1 over plain HTTP: the plain app1 server.
        assertEquals("app1", ok(http, "app1.example.com", "/plain").backend());

        // Any other name over TLS: terminated, re-encrypted to default-tls with the Host's name.
        a = https(tls, "default.example.com", "default.example.com", "/default-tls");
        assertEquals(a.toString(), ROUTER, a.peerSubject());
        assertEquals(a.toString(), 200, a.status());
        assertEquals(a.toString(), "default-tls", a.field("backend"));
        assertEquals(a.toString(), "default.example.com", a.field("sni"));
        // ... and over plain HTTP: the plain default server.
        assertEquals("default", ok(http, "other.example.com", "/plain").backend());
    }

    /** The {@code sni:} line of an {@link HttpsBackend} body that curl fetched. */
    private static List<String> sniOf(Curl.Transfer t) {
        List<String> values = new java.util.ArrayList<>();
        for (String line : t.body().split("\n")) {
            if (line.startsWith("sni: ")) {
                values.add(line.substring(5));
            }
        }
        return values;
    }

    @Test
    public void theRealClientAddressCrossesTheLocalSendProxyHop() throws Exception {
        Seed s = seedBackends("default");
        int tls = freePort();
        int http = freePort();
        int local = freePort();
        // The article's configuration plus what makes the client address visible to app2.
        writeConfig(seedConfig(tls, http, local, s,
                "    option forwardfor",
                "    http-request set-header X-Client %ci:%cp"));
        awaitHttps(tls, "app2.example.com", "app2.example.com", "app2");

        // From 127.0.0.5: the hop from https-server to the terminating bind comes from 127.0.0.1.
        HttpsProbe.Answer a = HttpsProbe.exchange(CLIENT, tls, "app2.example.com", List.of("http/1.1"),
                "app2.example.com", "/who");
        assertEquals(a.toString(), ROUTER, a.peerSubject());
        assertEquals(a.toString(), 200, a.status());
        assertEquals(a.toString(), "app2", a.field("backend"));
        assertEquals("X-Forwarded-For names the client, not the local hop: " + a, List.of("127.0.0.5"),
                a.headers("X-Forwarded-For"));
        assertEquals("%ci:%cp are the client's address and port, carried by the PROXY header: " + a,
                List.of("127.0.0.5:" + a.localPort()), a.headers("X-Client"));
        assertEquals(a.toString(), List.of("https"), a.headers("X-Forwarded-Proto"));
    }

    @Test
    public void aServerWhoseCertificateDoesNotVerifyGets503() throws Exception {
        Seed s = seedBackends("wrong-ca");
        int tls = freePort();
        int http = freePort();
        int local = freePort();
        writeConfig(seedConfig(tls, http, local, s));
        awaitHttps(tls, "app2.example.com", "app2.example.com", "app2");

        HttpsProbe.Answer a = https(tls, "default.example.com", "default.example.com", "/wrong-ca");
        assertEquals(a.toString(), ROUTER, a.peerSubject());
        assertEquals("default-tls's certificate is signed by another CA: 503: " + a, 503, a.status());
        assertTrue("the router did try default-tls", s.defaultTls().accepted() > 0);
        assertEquals("no handshake with default-tls completed", List.of(), s.defaultTls().hellos());
        assertEquals("no request reached default-tls", 0, s.defaultTls().requests());
        Curl.Run run = curlHttps(tls, "default.example.com", "/curl-wrong-ca");
        assertEquals(run.toString(), 0, run.exitCode());
        assertEquals(run.toString(), 503, run.only().status());

        // The same name with a certificate from the right CA: 200, so the 503 was the certificate.
        HttpsBackend good = httpsBackend("default-tls-good", "default");
        writeConfig(seedConfig(tls, http, local, new Seed(s.app1Tls(), s.app1(), s.app2(), good, s.fallback())));
        awaitHttps(tls, "default.example.com", "default.example.com", "default-tls-good");
        assertEquals("no request ever reached the server with the wrong certificate", 0, s.defaultTls().requests());
    }

    // ------------------------------------------------------------------ ALPN routing in TCP mode

    @Test
    public void alpnRoutingInTcpModeSendsH2AndHttp11ClientsToDifferentServers() throws Exception {
        HttpsBackend h2 = httpsBackend("h2", "h2", "h2", "http/1.1");
        HttpsBackend h1 = httpsBackend("h1", "h1", "http/1.1");
        int port = freePort();
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen alpn-router",
                "    bind 127.0.0.1:" + port,
                "    mode tcp",
                "    tcp-request inspect-delay 10s",
                "    tcp-request content accept if req.ssl_hello_type 1",
                "    tcp-request content reject if WAIT_END",
                "    use-server h2 if { req.ssl_alpn h2 }",
                "    server h2 127.0.0.1:" + h2.port() + " weight 0",
                "    server h1 127.0.0.1:" + h1.port(),
                ""));
        await(ROUTE_WAIT, "ALPN h2 -> h2", () -> {
            HttpsProbe.Answer a = HttpsProbe.exchange(LOOPBACK, port, "www.example.com", List.of("h2", "http/1.1"),
                    null, null);
            return a.peerSubject().equals("CN=h2.example.com") ? null : a.toString();
        });

        // A browser-like client offering h2 first: the h2 server, which picks h2.
        HttpsProbe.Answer a = HttpsProbe.exchange(LOOPBACK, port, "www.example.com", List.of("h2", "http/1.1"),
                null, null);
        assertEquals(a.toString(), "CN=h2.example.com", a.peerSubject());
        assertEquals(a.toString(), "h2", a.alpn());
        // A client offering only h2.
        a = HttpsProbe.exchange(LOOPBACK, port, "www.example.com", List.of("h2"), null, null);
        assertEquals(a.toString(), "CN=h2.example.com", a.peerSubject());
        // An HTTP/1.1-only client: the other server, which answers its request.
        a = HttpsProbe.exchange(LOOPBACK, port, "www.example.com", List.of("http/1.1"), "www.example.com", "/h1");
        assertEquals(a.toString(), "CN=h1.example.com", a.peerSubject());
        assertEquals(a.toString(), "http/1.1", a.alpn());
        assertEquals(a.toString(), "h1", a.field("backend"));
        // No ALPN at all: not h2.
        a = HttpsProbe.exchange(LOOPBACK, port, "www.example.com", List.of(), "www.example.com", "/none");
        assertEquals(a.toString(), "CN=h1.example.com", a.peerSubject());
        assertEquals(a.toString(), "-", a.field("alpn"));

        // Real clients: openssl s_client -alpn h2, and curl --http1.1 (ALPN http/1.1).
        HttpsProbe.SClient sc = HttpsProbe.sClient(port, "www.example.com", "h2");
        assertEquals(sc.output(), "subject=CN = h2.example.com", sc.subject());
        assertEquals(sc.output(), "ALPN protocol: h2", sc.alpnLine());
        sc = HttpsProbe.sClient(port, "www.example.com", "http/1.1");
        assertEquals(sc.output(), "subject=CN = h1.example.com", sc.subject());
        assertEquals(sc.output(), "ALPN protocol: http/1.1", sc.alpnLine());
        Curl.Run run = Curl.run(List.of("--resolve", "h1.example.com:" + port + ":127.0.0.1", "--cacert",
                certs().resolve("ca-certificates.crt").toString(), "--http1.1",
                "https://h1.example.com:" + port + "/curl"));
        assertEquals(run.toString(), 0, run.exitCode());
        assertEquals(run.toString(), "h1", run.only().backend());
        assertTrue("the h2 server never answered an HTTP/1.1 request", h2.requests() == 0);
        for (HttpsBackend.Hello hello : h2.hellos()) {
            assertEquals("only h2 clients reached the h2 server: " + h2.hellos(), "h2", hello.alpn());
        }
    }

    // ------------------------------------------------------------------ certificates reloaded from disk

    @Test
    public void aCertificateReplacedOnDiskServesNewHandshakesWithoutARestart() throws Exception {
        HttpBackend fallback = httpBackend("default");
        Path pem = certs().resolve("tls-reload.pem");
        replace(certs().resolve("reload-v1.pem"), pem);
        int port = freePort();
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen reload",
                "    bind 127.0.0.1:" + port + " ssl crt tls-reload.pem",
                "    mode http",
                "    server default 127.0.0.1:" + fallback.port(),
                ""));
        awaitHttps(port, "www.example.com", "www.example.com", "default");
        HttpsProbe.Answer a = https(port, "www.example.com", "www.example.com", "/v1");
        assertEquals(a.toString(), "CN=" + TlsTestPki.RELOAD_V1_CN, a.peerSubject());
        // Renewed the way certificate tools do it: written beside, moved over.
        replace(certs().resolve("reload-v2.pem"), pem);
        await(RELOAD_WAIT, "new handshakes get the renewed certificate", () -> {
            HttpsProbe.Answer b = https(port, "www.example.com", "www.example.com", "/v2");
            return b.peerSubject().equals("CN=" + TlsTestPki.RELOAD_V2_CN) && b.status() == 200 ? null : b.toString();
        });
    }

    /** Copies {@code from} over {@code to} in one step (a sibling file, then an atomic rename). */
    private static void replace(Path from, Path to) throws Exception {
        Path tmp = to.resolveSibling(to.getFileName() + ".part");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
