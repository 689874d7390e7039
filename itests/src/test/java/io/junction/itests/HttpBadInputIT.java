package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
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
 * {@code mode http} against input no well-behaved client sends, inside the framework with the
 * real bundles: every bad request is answered with its status, the connection is closed, and
 * nothing reaches a server; a server that dies in the middle of a response ends the client's
 * connection instead of leaving it hanging. Issue 3, acceptance item 2 (bad-input lines).
 *
 * <p>"Nothing reaches a server" is checked after a barrier: once the bad exchange is over, a
 * good request is sent to the same server and answered; only then are the servers' records
 * compared, so bytes the router might have forwarded late would have arrived by then.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpBadInputIT extends HttpItSupport {

    private static final String HOST = "app1.example.com";

    private HttpBackend app1;
    private HttpBackend fallback;
    private int port;

    @Configuration
    public Option[] configuration() {
        return httpOptions(HttpBadInputIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        assertHttpBundlesActive();
        app1 = httpBackend("app1");
        fallback = httpBackend("default");
        port = freePort();
        writeConfig(String.join("\n",
                "defaults",
                "    timeout http-request 1s",
                "listen http-server",
                "    bind 127.0.0.1:" + port,
                "    mode http",
                "    use-server app1 if hdr_dom(host) -i app1.example.com",
                "    server app1 127.0.0.1:" + app1.port() + " weight 0",
                "    server default 127.0.0.1:" + fallback.port(),
                ""));
        awaitHttpRoute(port, HOST, app1);
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    /**
     * Sends {@code request} raw and asserts: the answer's status line is {@code status}, the
     * router closed the connection after it, and (after a barrier request) neither server got
     * any of it.
     */
    private void assertRejected(String what, String request, int status) throws Exception {
        int app1Requests = app1.requests();
        Seen fallbackBefore = Seen.of(fallback);

        Raw raw = rawExchange(port, request);
        assertEquals(what + ": status line; got " + raw, "HTTP/1.1 " + status, raw.statusLine().substring(0,
                Math.min(raw.statusLine().length(), 12)));
        assertNotEquals(what + ": the router must close the connection after the answer; got " + raw,
                End.TIMEOUT, raw.end());
        assertTrue(what + ": the answer says Connection: close; got " + raw,
                raw.text().toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n"));

        String barrierPath = "/barrier-after-" + status + "-" + System.nanoTime();
        assertEquals("barrier", "app1", ok(port, HOST, barrierPath).backend());
        List<HttpBackend.Request> got = app1.received();
        List<HttpBackend.Request> since = got.subList(app1Requests, got.size());
        assertEquals(what + ": nothing of the bad request may reach app1; it received " + since, 1, since.size());
        assertEquals(what + ": app1 got only the barrier", barrierPath, since.get(0).path());
        fallbackBefore.assertUntouched(what);
    }

    @Test
    public void malformedRequestLineIs400() throws Exception {
        assertRejected("request line with trailing garbage",
                "GET / HTTP/1.1 extra\r\nHost: " + HOST + "\r\n\r\n", 400);
        assertRejected("request line without a version",
                "GET /\r\nHost: " + HOST + "\r\n\r\n", 400);
        assertRejected("tab instead of a space in the request line",
                "GET\t/ HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n", 400);
    }

    @Test
    public void headersOverTheLimitAre431() throws Exception {
        // The default limit of the header section is 32 KiB (HttpProxyMode max.header.size).
        String big = "X-Big: " + "a".repeat(40_000) + "\r\n";
        assertRejected("a 40 KB header field", "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n" + big + "\r\n", 431);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            many.append("X-Field-").append(i).append(": ").append("v".repeat(100)).append("\r\n");
        }
        assertRejected("400 header fields of 100 bytes", "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n" + many + "\r\n",
                431);
    }

    @Test
    public void halfAHeadThenSilenceIs408AfterTimeoutHttpRequest() throws Exception {
        int app1Requests = app1.requests();
        Seen fallbackBefore = Seen.of(fallback);
        Socket socket = connectPlain(port);
        socket.getOutputStream().write(("GET /slow HTTP/1.1\r\nHost: " + HOST + "\r\nX-Slow")
                .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        // timeout http-request is 1 s; the read waits up to SOCKET_TIMEOUT_MS (15 s).
        Raw raw = readUntilClosed(socket);
        assertTrue("slowloris: 408 expected, got " + raw, raw.statusLine().startsWith("HTTP/1.1 408"));
        assertNotEquals("slowloris: the connection must be closed after the 408; got " + raw, End.TIMEOUT, raw.end());

        assertEquals("barrier", "app1", ok(port, HOST, "/barrier-after-408").backend());
        assertEquals("the incomplete request never reached app1", app1Requests + 1, app1.requests());
        fallbackBefore.assertUntouched("slowloris");
    }

    @Test
    public void contentLengthWithTransferEncodingIs400() throws Exception {
        assertRejected("Content-Length and Transfer-Encoding",
                "POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: " + HOST
                        + "\r\n\r\n", 400);
    }

    @Test
    public void twoDifferingContentLengthsAre400() throws Exception {
        assertRejected("two differing Content-Length fields",
                "POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                400);
        assertRejected("one Content-Length field with two differing values",
                "POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5, 6\r\n\r\nhello!", 400);
    }

    @Test
    public void obsFoldIs400() throws Exception {
        assertRejected("obs-fold (a continuation line)",
                "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Folded: a\r\n b\r\n\r\n", 400);
        assertRejected("obs-fold with a tab",
                "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Folded: a\r\n\tb\r\n\r\n", 400);
    }

    @Test
    public void invalidHeaderNameIs400() throws Exception {
        assertRejected("space inside a header name",
                "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nBad Name: x\r\n\r\n", 400);
        assertRejected("space before the colon",
                "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Space : x\r\n\r\n", 400);
        assertRejected("control byte in a header name",
                "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-\u0001Ctl: x\r\n\r\n", 400);
    }

    @Test
    public void bareLfIs400() throws Exception {
        assertRejected("bare LF line ends everywhere", "GET / HTTP/1.1\nHost: " + HOST + "\n\n", 400);
        assertRejected("bare LF after one header", "GET / HTTP/1.1\r\nHost: " + HOST + "\nX-A: b\r\n\r\n", 400);
    }

    @Test
    public void aServerDyingMidResponseClosesTheClientConnection() throws Exception {
        Socket socket = connectPlain(port);
        socket.getOutputStream().write(("GET /die HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        Raw raw = readUntilClosed(socket);
        assertNotEquals("the client connection must be closed, not left hanging; got " + raw, End.TIMEOUT, raw.end());
        assertTrue("the response head was passed on as it came: " + raw, raw.statusLine().startsWith("HTTP/1.1 200"));
        int headEnd = raw.text().indexOf("\r\n\r\n");
        assertTrue("a complete head: " + raw, headEnd > 0);
        int bodyBytes = raw.text().length() - headEnd - 4;
        assertTrue("the client got less than the announced " + HttpBackend.DIE_DECLARED + " body bytes ("
                + bodyBytes + "): it can tell the response is truncated", bodyBytes < HttpBackend.DIE_DECLARED);

        // The router is fine afterwards.
        assertEquals("app1", ok(port, HOST, "/after-die").backend());
    }
}
