package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.RequestRoute;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP mode between real sockets on loopback: a raw-socket client, the mode served by a
 * harness that plays the core, and scripted raw-socket servers.
 */
class HttpProxyModeTest {
    private ProxyHarness proxy;
    private InetSocketAddress proxyAddress;
    private TestBackend app1;
    private TestBackend app2;
    private TestRouter.ServerRoute route1;
    private TestRouter.ServerRoute route2;

    @BeforeEach
    void setUp() throws Exception {
        proxy = new ProxyHarness();
        proxyAddress = proxy.listen(InetAddress.getLoopbackAddress());
        app1 = new TestBackend("app1", TestBackend.echo());
        app2 = new TestBackend("app2", TestBackend.echo());
        route1 = new TestRouter.ServerRoute("be/app1", app1.address());
        route2 = new TestRouter.ServerRoute("be/app2", app2.address());
        Map<String, RequestRoute> byHost = new LinkedHashMap<>();
        byHost.put("app1.", route1);
        byHost.put("app2.", route2);
        proxy.router.routing = TestRouter.byHost(byHost, route1);
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.close();
        app1.close();
        app2.close();
    }

    private Socket client() throws Exception {
        return proxy.connect(proxyAddress);
    }

    // ------------------------------------------------------------------ routing

    @Test
    void twoKeepAliveRequestsForTwoHostsGoToTwoServers() throws Exception {
        proxy.handOverOnFirstRead = true; // the first request arrives as the core's initial bytes
        try (Socket s = client()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Http.write(out, "GET /one HTTP/1.1\r\nHost: app1.example.com\r\n\r\n");
            Http.Msg r1 = Http.readFinalResponse(in, false);
            Http.write(out, "GET /two HTTP/1.1\r\nHost: APP2.Example.COM:80\r\n\r\n");
            Http.Msg r2 = Http.readFinalResponse(in, false);

            assertEquals(200, r1.status());
            assertEquals("app1 GET /one 0", r1.bodyText());
            assertEquals(200, r2.status());
            assertEquals("app2 GET /two 0", r2.bodyText());
        }
        assertEquals(java.util.List.of("app1.example.com", "APP2.Example.COM:80"), proxy.router.hosts);
        assertEquals(java.util.List.of("GET /one", "GET /two"), proxy.router.requestLines);
        assertEquals(1, app1.requests.size());
        assertEquals(1, app2.requests.size());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOneAtATime() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /a HTTP/1.1\r\nHost: app1.x\r\n\r\n"
                    + "GET /b HTTP/1.1\r\nHost: app2.x\r\n\r\n"
                    + "GET /c HTTP/1.1\r\nHost: app1.x\r\nConnection: close\r\n\r\n");
            InputStream in = s.getInputStream();
            assertEquals("app1 GET /a 0", Http.readFinalResponse(in, false).bodyText());
            assertEquals("app2 GET /b 0", Http.readFinalResponse(in, false).bodyText());
            Http.Msg last = Http.readFinalResponse(in, false);
            assertEquals("app1 GET /c 0", last.bodyText());
            assertEquals("close", last.header("connection"));
            assertTrue(Http.closedByPeer(s), "Connection: close from the client closes after the response");
        }
        // /a and /c went to app1 on the same, reused connection.
        assertEquals(1, app1.accepted.get());
        assertEquals(1, route1.connects.get());
    }

    @Test
    void anAbsoluteFormTargetDecidesTheHostAndBecomesOriginForm() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET http://app2.example.com/p?q=1 HTTP/1.1\r\nHost: app1.example.com\r\n\r\n");
            assertEquals("app2 GET /p?q=1 0", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
        assertEquals(java.util.List.of("app2.example.com"), proxy.router.hosts);
        assertEquals("app2.example.com", app2.requests.poll(5, TimeUnit.SECONDS).header("host"));
    }

    @Test
    void anAbsoluteFormTargetWithUserinfoIs400() throws Exception {
        assertRejected("GET http://user@app1.example.com/ HTTP/1.1\r\nHost: app1.example.com\r\n\r\n", 400);
    }

    @Test
    void statusRouteAnswersWithABodyAndContactsNoServer() throws Exception {
        proxy.router.routing = f -> TestRouter.status(503);
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(503, r.status());
            assertTrue(r.bodyText().contains("503 Service Unavailable"), r.bodyText());
            assertEquals("text/html", r.header("content-type"));
            // The connection stays for the next request, which a deny rule answers with 403.
            proxy.router.routing = f -> TestRouter.status(403);
            Http.write(s.getOutputStream(), "GET /admin HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
            Http.Msg r2 = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(403, r2.status());
            assertTrue(r2.bodyText().contains("403 Forbidden"), r2.bodyText());
        }
        assertEquals(0, app1.accepted.get());
        assertEquals(0, app2.accepted.get());
        assertEquals(2, proxy.router.routed.get());
    }

    @Test
    void statusAnswerToARequestWithABodyClosesTheConnection() throws Exception {
        proxy.router.routing = f -> TestRouter.status(403);
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(403, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(Http.closedByPeer(s));
        }
        assertEquals(0, app1.accepted.get());
    }

    // ------------------------------------------------------------------ forwarding headers

    @Test
    void forwardForAppendsToAnExistingHeaderAndCreatesAMissingOne() throws Exception {
        proxy.router.options = Set.of("forwardfor");
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /1 HTTP/1.1\r\nHost: app1.x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
            Http.write(s.getOutputStream(), "GET /2 HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
        }
        Http.Msg first = app1.requests.poll(5, TimeUnit.SECONDS);
        Http.Msg second = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals(java.util.List.of("203.0.113.9, 127.0.0.1"), first.all("x-forwarded-for"));
        assertEquals(java.util.List.of("127.0.0.1"), second.all("x-forwarded-for"));
    }

    @Test
    void forwardedCarriesForProtoAndHostForIpv4() throws Exception {
        proxy.router.options = Set.of("forwarded", "originalto");
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.example.com\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
        }
        Http.Msg req = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals("for=127.0.0.1;proto=http;host=app1.example.com", req.header("forwarded"));
        assertEquals("127.0.0.1", req.header("x-original-to"));
        assertNull(req.header("x-forwarded-for"), "forwardfor was not asked for");
    }

    @Test
    void forwardedQuotesAndBracketsAnIpv6ClientAndAHostWithAPort() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        InetSocketAddress proxy6;
        try {
            proxy6 = proxy.listen(v6);
        } catch (Exception e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e);
            return;
        }
        proxy.router.options = Set.of("forwarded", "forwardfor");
        proxy.tls = true;
        try (Socket s = proxy.connect(proxy6)) {
            Http.write(s.getOutputStream(),
                    "GET / HTTP/1.1\r\nHost: app1.example.com:8443\r\nForwarded: for=192.0.2.1\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
        }
        Http.Msg req = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals("for=192.0.2.1, for=\"[::1]\";proto=https;host=\"app1.example.com:8443\"", req.header("forwarded"));
        assertEquals("::1", req.header("x-forwarded-for"));
    }

    @Test
    void hopByHopFieldsAreNotForwarded() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\nConnection: keep-alive, X-Secret, Content-Length\r\n"
                    + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers, deflate\r\n"
                    + "Upgrade: h2c\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok");
            Http.readFinalResponse(s.getInputStream(), false);
        }
        Http.Msg req = app1.requests.poll(5, TimeUnit.SECONDS);
        assertNull(req.header("connection"));
        assertNull(req.header("x-secret"));
        assertNull(req.header("keep-alive"));
        assertNull(req.header("proxy-connection"));
        assertNull(req.header("upgrade"));
        assertEquals("trailers", req.header("te"));
        assertEquals("yes", req.header("x-kept"));
        // Content-Length frames the body: a Connection token never removes it.
        assertEquals("2", req.header("content-length"));
        assertEquals("ok", new String(req.body()));
    }

    // ------------------------------------------------------------------ bodies and streaming

    @Test
    void chunkedRequestBodyIsStreamedNotBuffered() throws Exception {
        CountDownLatch firstChunkArrived = new CountDownLatch(1);
        app1.script((sock, in, out, b) -> {
            Http.Msg head = Http.parseHead(Http.readHead(in));
            assertEquals("chunked", head.header("transfer-encoding"));
            String size = Http.readLine(in);
            byte[] first = in.readNBytes(Integer.parseInt(size, 16));
            Http.readLine(in);
            b.requests.add(new Http.Msg(head.startLine(), head.headers(), first));
            firstChunkArrived.countDown();
            // the rest only comes after the server saw the first chunk
            java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
            rest.write(first);
            rest.write(Http.readChunked(in));
            Http.write(out, Http.response(200, "OK", "got " + rest.size() + " " + rest.toString("ISO-8859-1")));
        });
        try (Socket s = client()) {
            OutputStream out = s.getOutputStream();
            Http.write(out, "POST /upload HTTP/1.1\r\nHost: app1.x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            assertTrue(firstChunkArrived.await(10, TimeUnit.SECONDS), "the first chunk reached the server alone");
            Http.write(out, "6\r\n world\r\n0\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals("got 11 hello world", r.bodyText());
        }
    }

    @Test
    void largeResponseStreamsToASlowReaderWithBoundedMemory() throws Exception {
        int size = 10 * 1024 * 1024;
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31 + 7);
        }
        CRC32 sent = new CRC32();
        for (int off = 0; off < size; off += block.length) {
            sent.update(block, 0, Math.min(block.length, size - off));
        }
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
            for (int off = 0; off < size; off += block.length) {
                out.write(block, 0, Math.min(block.length, size - off));
            }
            out.flush();
            Http.readRequest(in); // keep the connection until the proxy closes or reuses it
        });
        proxy.sendBuffer = 32 * 1024;
        AtomicLong maxPending = new AtomicLong();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(32 * 1024);
            s.connect(proxyAddress);
            s.setSoTimeout(20_000);
            Http.write(s.getOutputStream(), "GET /big HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            InputStream in = s.getInputStream();
            Http.Msg head = Http.parseHead(Http.readHead(in));
            assertEquals(String.valueOf(size), head.header("content-length"));
            Channel proxied = proxy.clients.get(0);
            // Do not read for a while: a proxy without flow control would now pull the whole
            // response from the server into its outbound buffer.
            for (int i = 0; i < 20; i++) {
                maxPending.accumulateAndGet(pending(proxied), Math::max);
                Thread.sleep(25);
            }
            CRC32 received = new CRC32();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int reads = 0;
            while (total < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - total));
                assertTrue(n > 0, "EOF after " + total + " bytes");
                received.update(buf, 0, n);
                total += n;
                if (++reads % 64 == 0) {
                    maxPending.accumulateAndGet(pending(proxied), Math::max);
                    Thread.sleep(1);
                }
            }
            assertEquals(sent.getValue(), received.getValue());
        }
        // High water mark 64 KiB plus one read of at most the chunk size; never megabytes.
        assertTrue(maxPending.get() < 512 * 1024, "the proxy held " + maxPending.get() + " bytes for a slow client");
    }

    private static long pending(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> {
            ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
            return b == null ? 0L : b.totalPendingWriteBytes();
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void largeUploadToASlowServerIsStreamedWithBoundedMemory() throws Exception {
        int size = 10 * 1024 * 1024;
        CountDownLatch startReading = new CountDownLatch(1);
        app1.script((sock, in, out, b) -> {
            Http.Msg head = Http.parseHead(Http.readHead(in));
            b.requests.add(head);
            startReading.await(20, TimeUnit.SECONDS);
            CRC32 crc = new CRC32();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            while (total < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - total));
                if (n < 0) {
                    break;
                }
                crc.update(buf, 0, n);
                total += n;
            }
            Http.write(out, Http.response(200, "OK", total + " " + crc.getValue()));
        });
        byte[] block = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(block);
        CRC32 sent = new CRC32();
        AtomicLong maxPending = new AtomicLong();
        try (Socket s = client()) {
            OutputStream out = s.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    Http.write(out, "POST /up HTTP/1.1\r\nHost: app1.x\r\nContent-Length: " + size + "\r\n\r\n");
                    for (int off = 0; off < size; off += block.length) {
                        out.write(block);
                    }
                    out.flush();
                } catch (Exception e) {
                    // the assertions below report what went wrong
                }
            });
            for (int off = 0; off < size; off += block.length) {
                sent.update(block);
            }
            writer.start();
            // The server does not read yet: a proxy without flow control would pull the whole
            // upload from the client into its buffer towards the server.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (route1.channels.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Channel towardsServer = route1.channels.get(0);
            for (int i = 0; i < 20; i++) {
                maxPending.accumulateAndGet(pending(towardsServer), Math::max);
                Thread.sleep(25);
            }
            startReading.countDown();
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(size + " " + sent.getValue(), r.bodyText());
            writer.join(10_000);
        }
        assertTrue(maxPending.get() < 512 * 1024, "the proxy held " + maxPending.get() + " bytes for a slow server");
    }

    @Test
    void chunkedResponseWithTrailersPassesThrough() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                    + "3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Sum: 7\r\n\r\n");
            Http.readRequest(in);
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            InputStream in = s.getInputStream();
            Http.Msg head = Http.parseHead(Http.readHead(in));
            assertEquals("chunked", head.header("transfer-encoding"));
            String raw = new String(in.readNBytes("3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Sum: 7\r\n\r\n".length()),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(raw.replace("\r\n", "|").endsWith("0|X-Sum: 7||"), raw);
        }
    }

    @Test
    void aServerClosingAnIdleConnectionIsNotUsedAgain() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        app1.script((sock, in, out, b) -> {
            Http.Msg req = Http.readRequest(in);
            b.requests.add(req);
            Http.write(out, Http.response(200, "OK", "first"));
            sock.close(); // keep-alive advertised, then closed while idle
            closed.countDown();
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /1 HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("first", Http.readFinalResponse(s.getInputStream(), false).bodyText());
            assertTrue(closed.await(5, TimeUnit.SECONDS));
            app1.script(TestBackend.echo());
            Http.write(s.getOutputStream(), "GET /2 HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("app1 GET /2 0", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
        assertEquals(2, app1.accepted.get());
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestStillGetsTheResponse() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "POST /p HTTP/1.1\r\nHost: app1.x\r\nContent-Length: 3\r\n\r\nabc");
            s.shutdownOutput();
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals("app1 POST /p 3", r.bodyText());
            assertTrue(Http.closedByPeer(s));
        }
    }

    @Test
    void headerActionsEditTheRequestBeforeItIsForwarded() throws Exception {
        HeaderActionProvider actions = new HeaderActionProvider();
        ConfigContextStub ctx = new ConfigContextStub();
        io.junction.api.HttpAction proto = actions.parse("set-header", ConfigContextStub.words("X-Forwarded-Proto", "https"), ctx);
        io.junction.api.HttpAction client = actions.parse("add-header", ConfigContextStub.words("X-Client", "%ci:%[hdr(host)]"), ctx);
        io.junction.api.HttpAction drop = actions.parse("del-header", ConfigContextStub.words("X-Internal"), ctx);
        proxy.router.routing = f -> {
            io.junction.api.HeaderEditor h = f.get(io.junction.api.WellKnownFacts.HTTP_HEADERS);
            proto.apply(h, f);
            client.apply(h, f);
            drop.apply(h, f);
            return route1;
        };
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app2.example.com\r\nX-Internal: secret\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
        }
        Http.Msg req = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals("https", req.header("x-forwarded-proto"));
        assertEquals("127.0.0.1:app2.example.com", req.header("x-client"));
        assertNull(req.header("x-internal"));
    }

    @Test
    void expectContinueIsForwardedAndTheServerAnswersIt() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.Msg head = Http.parseHead(Http.readHead(in));
            b.requests.add(head);
            Http.write(out, "HTTP/1.1 100 Continue\r\n\r\n");
            byte[] body = in.readNBytes(Integer.parseInt(head.header("content-length")));
            Http.write(out, Http.response(201, "Created", "stored " + new String(body)));
        });
        try (Socket s = client()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Http.write(out, "PUT /x HTTP/1.1\r\nHost: app1.x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            Http.Msg interim = Http.readResponse(in, false);
            assertEquals(100, interim.status());
            Http.write(out, "hello");
            Http.Msg r = Http.readFinalResponse(in, false);
            assertEquals(201, r.status());
            assertEquals("stored hello", r.bodyText());
        }
        assertEquals("100-continue", app1.requests.poll(5, TimeUnit.SECONDS).header("expect"));
    }

    @Test
    void headResponseHasNoBodyAndTheConnectionsStayInStep() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.Msg req;
            while ((req = Http.readRequest(in)) != null) {
                b.requests.add(req);
                if (req.method().equals("HEAD")) {
                    Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
                } else {
                    Http.write(out, Http.response(200, "OK", "after head"));
                }
            }
        });
        try (Socket s = client()) {
            InputStream in = s.getInputStream();
            Http.write(s.getOutputStream(), "HEAD /h HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            Http.Msg head = Http.readFinalResponse(in, true);
            assertEquals("1000", head.header("content-length"));
            Http.write(s.getOutputStream(), "GET /g HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("after head", Http.readFinalResponse(in, false).bodyText());
        }
        assertEquals(1, app1.accepted.get(), "the server connection was reused after the HEAD");
    }

    @Test
    void closeDelimitedResponseIsRechunkedSoTheClientConnectionSurvives() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
            sock.shutdownOutput();
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals("chunked", r.header("transfer-encoding"));
            assertEquals("until the end", r.bodyText());
            app1.script(TestBackend.echo());
            Http.write(s.getOutputStream(), "GET /next HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("app1 GET /next 0", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
        assertEquals(2, app1.accepted.get());
    }

    @Test
    void http10ClientWithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /old HTTP/1.0\r\nHost: app1.x\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals("app1 GET /old 0", r.bodyText());
            assertTrue(Http.closedByPeer(s));
        }
        // The server was asked to keep its connection for reuse.
        assertEquals("keep-alive", app1.requests.poll(5, TimeUnit.SECONDS).header("connection"));
    }

    // ------------------------------------------------------------------ upgrade

    @Test
    void upgradeSwitchesToARawTunnelBothWays() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.Msg req = Http.parseHead(Http.readHead(in));
            b.requests.add(req);
            // The 101 and the server's first frame in one write: both must reach the client.
            Http.write(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nhello-from-server");
            byte[] ping = in.readNBytes(4);
            Http.write(out, "pong:" + new String(ping));
            in.read(); // until the client closes
        });
        try (Socket s = client()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Http.write(out, "GET /chat HTTP/1.1\r\nHost: app1.x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Http.Msg r = Http.readResponse(in, false);
            assertEquals(101, r.status());
            assertEquals("websocket", r.header("upgrade"));
            assertEquals("upgrade", r.header("connection").toLowerCase());
            assertEquals("hello-from-server", new String(in.readNBytes(17)));
            Http.write(out, "ping");
            assertEquals("pong:ping", new String(in.readNBytes(9)));
        }
        Http.Msg req = app1.requests.poll(5, TimeUnit.SECONDS);
        assertEquals("websocket", req.header("upgrade"));
        assertEquals("upgrade", req.header("connection").toLowerCase());
    }

    // ------------------------------------------------------------------ server failures

    @Test
    void refusedServerConnectionIs503() throws Exception {
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = ss.getLocalPort();
        }
        proxy.router.routing = f -> new TestRouter.ServerRoute("be/gone",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort));
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(503, r.status());
            // No body was pending: the client connection stays usable.
            proxy.router.routing = f -> route1;
            Http.write(s.getOutputStream(), "GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("app1 GET /again 0", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
        assertEquals(1, proxy.mode.counters().snapshot().get("connect_failed"));
    }

    @Test
    void serverClosingBeforeAResponseHeadIs502() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 O");
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals(502, Http.readFinalResponse(s.getInputStream(), false).status());
        }
        assertEquals(1, proxy.mode.counters().snapshot().get("bad_gateway"));
    }

    @Test
    void serverDyingMidResponseClosesTheClientConnection() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789");
            sock.setSoLinger(true, 0); // a reset, as a crashed server
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            InputStream in = s.getInputStream();
            Http.Msg head = Http.parseHead(Http.readHead(in));
            assertEquals("100000", head.header("content-length"));
            byte[] rest = Http.readToEof(in); // a read timeout here would mean a hung client
            assertTrue(rest.length < 100000, "got " + rest.length);
        }
        assertEquals(1, proxy.mode.counters().snapshot().get("server_aborted"));
    }

    @Test
    void silentServerIs504AfterTimeoutServer() throws Exception {
        proxy.router.timeouts.put("server", 300L);
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            in.read(); // never answers
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals(504, Http.readFinalResponse(s.getInputStream(), false).status());
            assertTrue(Http.closedByPeer(s));
        }
    }

    @Test
    void serverStallingMidResponseClosesTheClientAfterTimeoutServer() throws Exception {
        proxy.router.timeouts.put("server", 300L);
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            in.read(); // then nothing
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            InputStream in = s.getInputStream();
            assertEquals("100", Http.parseHead(Http.readHead(in)).header("content-length"));
            assertEquals("partial", new String(Http.readToEof(in)));
        }
        assertEquals(1, proxy.mode.counters().snapshot().get("server_timeout_mid_response"));
    }

    @Test
    void serverConnectionCloseEndsOnlyTheServerConnection() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.Msg req = Http.readRequest(in);
            Http.write(out, Http.response(200, "OK", "once " + req.uri(), "Connection: close"));
        });
        try (Socket s = client()) {
            for (String path : new String[] {"/1", "/2"}) {
                Http.write(s.getOutputStream(), "GET " + path + " HTTP/1.1\r\nHost: app1.x\r\n\r\n");
                Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
                assertEquals("once " + path, r.bodyText());
                assertNull(r.header("connection"), "the client connection is kept");
            }
        }
        assertEquals(2, app1.accepted.get());
    }

    @Test
    void earlyHintsArePassedOnBeforeTheFinalResponse() throws Exception {
        app1.script((sock, in, out, b) -> {
            Http.readRequest(in);
            Http.write(out, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                    + Http.response(200, "OK", "final"));
            Http.readRequest(in);
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            Http.Msg hints = Http.readResponse(s.getInputStream(), false);
            assertEquals(103, hints.status());
            assertEquals("</style.css>; rel=preload", hints.header("link"));
            assertEquals("final", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
    }

    @Test
    void aReusedConnectionClosedBeforeAnsweringIsRetriedOnANewOne() throws Exception {
        java.util.concurrent.atomic.AtomicInteger connection = new java.util.concurrent.atomic.AtomicInteger();
        app1.script((sock, in, out, b) -> {
            if (connection.incrementAndGet() == 1) {
                Http.readRequest(in);
                Http.write(out, Http.response(200, "OK", "first"));
                Http.readRequest(in); // the reused connection: closed without an answer
                return;
            }
            TestBackend.echo().run(sock, in, out, b);
        });
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /1 HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("first", Http.readFinalResponse(s.getInputStream(), false).bodyText());
            Http.write(s.getOutputStream(), "GET /2 HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals("app1 GET /2 0", Http.readFinalResponse(s.getInputStream(), false).bodyText());
        }
        Map<String, Long> c = proxy.mode.counters().snapshot();
        assertEquals(1, c.get("retried"));
        assertEquals(1, c.get("server_connections_reused"));
        assertEquals(0, c.get("bad_gateway"));
    }

    // ------------------------------------------------------------------ client timeouts

    @Test
    void slowlorisGets408AndTheServerSeesNothing() throws Exception {
        proxy.router.timeouts.put("http-request", 300L);
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\nX-A: 1\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(408, r.status());
            assertTrue(Http.closedByPeer(s));
        }
        assertEquals(0, proxy.router.routed.get());
        assertEquals(0, app1.accepted.get());
    }

    @Test
    void idleKeepAliveConnectionIsClosedSilently() throws Exception {
        proxy.router.timeouts.put("http-keep-alive", 300L);
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET / HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(-1, s.getInputStream().read(), "closed without another byte");
        }
        assertEquals(1, proxy.mode.counters().snapshot().get("keep_alive_timeout"));
    }

    // ------------------------------------------------------------------ bad input

    private void assertRejected(String raw, int status) throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), raw);
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(status, r.status(), raw);
            assertEquals("close", r.header("connection"));
            assertTrue(Http.closedByPeer(s), "closed after " + status);
        }
        assertEquals(0, proxy.router.routed.get(), "never routed");
        assertEquals(0, app1.accepted.get(), "the server saw nothing");
    }

    @Test
    void malformedRequestLineIs400() throws Exception {
        assertRejected("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    }

    @Test
    void requestLineWithTrailingGarbageIs400() throws Exception {
        assertRejected("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400);
    }

    @Test
    void controlCharacterInTheTargetIs400() throws Exception {
        assertRejected("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    }

    @Test
    void invalidHeaderNameIs400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400);
    }

    @Test
    void whitespaceBeforeTheColonIs400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
    }

    @Test
    void bareLfIs400() throws Exception {
        assertRejected("GET / HTTP/1.1\nHost: a\n\n", 400);
    }

    @Test
    void obsFoldIs400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n", 400);
    }

    @Test
    void contentLengthWithTransferEncodingIs400() throws Exception {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    }

    @Test
    void differingDuplicateContentLengthIs400() throws Exception {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
    }

    @Test
    void duplicateContentLengthInHttp10Is400() throws Exception {
        // Netty keeps the first value for HTTP/1.0; the proxy's scanner rejects it.
        assertRejected("POST / HTTP/1.0\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\nhello!", 400);
    }

    @Test
    void transferEncodingInHttp10Is400() throws Exception {
        assertRejected("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void twoHostFieldsAre400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    }

    @Test
    void invalidHostIs400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400);
    }

    @Test
    void headersOverTheLimitAre431() throws Exception {
        String big = "X-Big: " + "a".repeat(40 * 1024) + "\r\n";
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\n" + big + "\r\n", 431);
    }

    @Test
    void requestLineOverTheLimitIs414() throws Exception {
        assertRejected("GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
    }

    @Test
    void http2VersionInARequestLineIs505() throws Exception {
        assertRejected("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    }

    @Test
    void badRequestsAreCounted() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", 400);
        Map<String, Long> c = proxy.mode.counters().snapshot();
        assertEquals(1, c.get("bad_request"));
        assertEquals(0, c.get("forwarded"));
    }

    @Test
    void aRequestAfterAnAcceptedOneIsCheckedToo() throws Exception {
        try (Socket s = client()) {
            Http.write(s.getOutputStream(), "GET /ok HTTP/1.1\r\nHost: app1.x\r\n\r\n");
            assertEquals(200, Http.readFinalResponse(s.getInputStream(), false).status());
            Http.write(s.getOutputStream(), "GET /bad HTTP/1.1\r\nHost: app1.x\r\nX: a\r\n\tb\r\n\r\n");
            Http.Msg r = Http.readFinalResponse(s.getInputStream(), false);
            assertEquals(400, r.status());
            assertTrue(Http.closedByPeer(s));
        }
        assertEquals(1, app1.requests.size(), "only the good request reached the server");
        assertNotNull(app1.requests.poll());
        assertFalse(proxy.router.requestLines.contains("GET /bad"));
    }
}
