package io.junction.sniffer.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.HeaderEditor;
import io.junction.api.SniffResult;
import io.junction.api.WellKnownFacts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpSnifferTest {

    private final HttpSniffer sniffer = new HttpSniffer(HttpSniffer.DEFAULT_MAX_HEAD_BYTES);

    /** Where the bytes live: the parser must work on heap and direct, pooled and unpooled. */
    enum Buffers {
        UNPOOLED_HEAP {
            @Override
            ByteBuf allocate() {
                return Unpooled.buffer(64);
            }
        },
        POOLED_DIRECT {
            @Override
            ByteBuf allocate() {
                return PooledByteBufAllocator.DEFAULT.directBuffer(64);
            }
        };

        /**
         * Bytes before the reader index that are not HTTP (a TLS record header), so that a parser
         * reading from index 0 instead of the reader index is caught.
         */
        static final byte[] ALREADY_READ = {0x16, 0x03, 0x01, 0x00};

        abstract ByteBuf allocate();

        /** A buffer holding {@code bytes} from a reader index that is not 0. */
        ByteBuf holding(byte[] bytes) {
            ByteBuf buf = allocate();
            buf.writeBytes(ALREADY_READ);
            buf.readerIndex(ALREADY_READ.length);
            buf.writeBytes(bytes);
            return buf;
        }
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sniffs and checks the contract: indexes untouched, buffer not released, facts only on DONE. */
    private static SniffResult sniff(HttpSniffer sniffer, ByteBuf in, MapFacts facts) {
        int readerIndex = in.readerIndex();
        int writerIndex = in.writerIndex();
        SniffResult result = sniffer.sniff(in, facts);
        assertEquals(readerIndex, in.readerIndex(), "reader index moved");
        assertEquals(writerIndex, in.writerIndex(), "writer index moved");
        assertEquals(1, in.refCnt(), "buffer released or retained");
        if (result != SniffResult.DONE) {
            assertTrue(facts.isEmpty(), "facts stored without DONE: " + facts);
        } else {
            assertEquals(3, facts.size(), facts.toString());
        }
        return result;
    }

    private static SniffResult sniffWhole(HttpSniffer sniffer, byte[] bytes, MapFacts facts, Buffers buffers) {
        ByteBuf in = buffers.holding(bytes);
        try {
            return sniff(sniffer, in, facts);
        } finally {
            in.release();
        }
    }

    /** A verdict, and after how many bytes it came. */
    record Verdict(SniffResult result, int at) {
    }

    /**
     * Feeds {@code bytes} in chunks into one growing buffer, as the core accumulates a connection's
     * first bytes, sniffing after each chunk until the verdict is not NEED_MORE. The buffer is
     * released before returning: the facts must not refer to it.
     */
    private static Verdict feed(HttpSniffer sniffer, byte[] bytes, int chunk, MapFacts facts, Buffers buffers) {
        ByteBuf in = buffers.holding(new byte[0]);
        try {
            int fed = 0;
            while (fed < bytes.length) {
                int n = Math.min(chunk, bytes.length - fed);
                in.writeBytes(bytes, fed, n);
                fed += n;
                SniffResult result = sniff(sniffer, in, facts);
                if (result != SniffResult.NEED_MORE) {
                    return new Verdict(result, fed);
                }
            }
            return new Verdict(SniffResult.NEED_MORE, fed);
        } finally {
            in.release();
        }
    }

    private static int headLength(byte[] wire) {
        String s = new String(wire, StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        assertTrue(end >= 0, "no end of head in the test input");
        return end + 4;
    }

    // ---------------------------------------------------------------- valid heads

    /** name, wire, method, url, fields expected by getAll (lower-case names), field count */
    static Stream<Arguments> heads() {
        return Stream.of(
                Arguments.of("GET with Host",
                        "GET / HTTP/1.1\r\nHost: app1.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
                        "GET", "/", Map.of("host", List.of("app1.example.com"), "accept", List.of("*/*")), 3),
                Arguments.of("Host with port, mixed case",
                        "GET /index.html?x=1 HTTP/1.1\r\nHost: APP1.Example.COM:80\r\n\r\n",
                        "GET", "/index.html?x=1", Map.of("host", List.of("APP1.Example.COM:80")), 1),
                Arguments.of("absolute-form",
                        "GET http://app1.example.com:8080/a/b?c=d HTTP/1.1\r\nHost: app1.example.com:8080\r\n\r\n",
                        "GET", "http://app1.example.com:8080/a/b?c=d",
                        Map.of("host", List.of("app1.example.com:8080")), 1),
                Arguments.of("absolute-form, Host in another case",
                        "GET HTTP://App1.Example.com/ HTTP/1.1\r\nHost: app1.example.COM\r\n\r\n",
                        "GET", "HTTP://App1.Example.com/", Map.of("host", List.of("app1.example.COM")), 1),
                Arguments.of("absolute-form without Host (HTTP/1.0)",
                        "GET http://app1.example.com/ HTTP/1.0\r\n\r\n",
                        "GET", "http://app1.example.com/", Map.of("host", List.of()), 0),
                Arguments.of("HTTP/1.0 without Host",
                        "GET /legacy HTTP/1.0\r\nUser-Agent: old\r\n\r\n",
                        "GET", "/legacy", Map.of("host", List.of(), "user-agent", List.of("old")), 1),
                Arguments.of("no fields at all",
                        "GET / HTTP/1.1\r\n\r\n", "GET", "/", Map.of("host", List.of()), 0),
                Arguments.of("LWS around values, empty value",
                        "GET / HTTP/1.1\r\nHost: \t app1.example.com \t\r\nX-Empty:\r\nX-Blank:   \r\n"
                                + "X-List:  a , b,c  \r\n\r\n",
                        "GET", "/", Map.of("host", List.of("app1.example.com"), "x-empty", List.of(""),
                                "x-blank", List.of(""), "x-list", List.of("a , b,c")), 4),
                Arguments.of("lower- and upper-case names",
                        "GET / HTTP/1.1\r\nhost: app1\r\nX-FORWARDED-FOR: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\n\r\n",
                        "GET", "/", Map.of("host", List.of("app1"), "x-forwarded-for", List.of("10.0.0.1", "10.0.0.2")), 3),
                Arguments.of("POST with a body after the head",
                        "POST /submit HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhello",
                        "POST", "/submit", Map.of("host", List.of("a.example"), "content-length", List.of("5")), 2),
                Arguments.of("second request pipelined after the first",
                        "GET /1 HTTP/1.1\r\nHost: one.example\r\n\r\nGET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n",
                        "GET", "/1", Map.of("host", List.of("one.example")), 1),
                Arguments.of("CONNECT authority-form",
                        "CONNECT app1.example.com:443 HTTP/1.1\r\nHost: app1.example.com:443\r\n\r\n",
                        "CONNECT", "app1.example.com:443", Map.of("host", List.of("app1.example.com:443")), 1),
                Arguments.of("OPTIONS asterisk-form",
                        "OPTIONS * HTTP/1.1\r\nHost: app1.example.com\r\n\r\n",
                        "OPTIONS", "*", Map.of("host", List.of("app1.example.com")), 1),
                Arguments.of("extension method and token characters in names",
                        "PROPFIND /dav/ HTTP/1.1\r\nHost: dav.example\r\nX-A!#$%&'*+-.^_`|~1: ok\r\n\r\n",
                        "PROPFIND", "/dav/", Map.of("x-a!#$%&'*+-.^_`|~1", List.of("ok")), 2),
                Arguments.of("obs-text in a value is kept as ISO-8859-1",
                        "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e9 \u00ff\r\n\r\n",
                        "GET", "/", Map.of("x-name", List.of("caf\u00e9 \u00ff")), 2),
                Arguments.of("quotes and commas are the fetches' business",
                        "GET / HTTP/1.1\r\nHost: h\r\nX-Q: \"a, b\", c\r\n\r\n",
                        "GET", "/", Map.of("x-q", List.of("\"a, b\", c")), 2));
    }

    static Stream<Arguments> headsByChunk() {
        List<Arguments> all = new ArrayList<>();
        for (Arguments head : heads().toList()) {
            for (int chunk : new int[] {Integer.MAX_VALUE, 1, 50}) {
                for (Buffers buffers : Buffers.values()) {
                    Object[] a = head.get();
                    all.add(Arguments.of(a[0], a[1], a[2], a[3], a[4], a[5], chunk, buffers));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, chunks of {6}, {7}")
    @MethodSource("headsByChunk")
    void requestHeadIsRead(String what, String head, String method, String url, Map<String, List<String>> fields,
            int fieldCount, int chunk, Buffers buffers) throws ConfigException {
        byte[] wire = latin1(head);
        MapFacts facts = new MapFacts();
        Verdict verdict = feed(sniffer, wire, chunk, facts, buffers);
        assertEquals(SniffResult.DONE, verdict.result());
        // DONE as soon as the chunk carrying the final CRLF arrived, not before, not after.
        int length = headLength(wire);
        int expectedAt = chunk == Integer.MAX_VALUE ? wire.length : Math.min(wire.length, (length + chunk - 1) / chunk * chunk);
        assertEquals(expectedAt, verdict.at(), "bytes fed when DONE");

        assertEquals(method, facts.get(WellKnownFacts.HTTP_METHOD));
        assertEquals(url, facts.get(WellKnownFacts.HTTP_URI));
        HeaderEditor headers = facts.get(WellKnownFacts.HTTP_HEADERS);
        SniffedHeaders sniffed = assertInstanceOf(SniffedHeaders.class, headers);
        assertEquals(fieldCount, sniffed.size(), sniffed.toString());
        for (Map.Entry<String, List<String>> e : fields.entrySet()) {
            assertEquals(e.getValue(), headers.getAll(e.getKey()), e.getKey());
            assertEquals(e.getValue(), headers.getAll(e.getKey().toUpperCase(java.util.Locale.ROOT)),
                    "names are case-insensitive (RFC 9110 section 5.1)");
            assertEquals(e.getValue().isEmpty() ? null : e.getValue().get(0), headers.get(e.getKey()));
        }
        // The fetches read what the sniffer stored.
        assertEquals(method, sniffer.compile("method", List.of(), null).sample(facts));
        assertEquals(url, sniffer.compile("url", List.of(), null).sample(facts));
    }

    @Test
    void sniproxyStyleHostRoutingFacts() throws ConfigException {
        MapFacts facts = new MapFacts();
        byte[] wire = latin1("GET /a/b?c=d HTTP/1.1\r\nHost: APP1.Example.COM:80\r\nAccept: */*\r\n\r\n");
        assertEquals(SniffResult.DONE, sniffWhole(sniffer, wire, facts, Buffers.POOLED_DIRECT));
        assertEquals("APP1.Example.COM:80", sniffer.compile("hdr", List.of("host"), null).sample(facts));
        assertEquals("APP1.Example.COM:80", sniffer.compile("req.hdr", List.of("Host"), null).sample(facts));
        assertEquals(1L, sniffer.compile("hdr_cnt", List.of("host"), null).sample(facts));
        assertEquals("/a/b", sniffer.compile("path", List.of(), null).sample(facts));
        assertEquals("APP1.Example.COM:80/a/b", sniffer.compile("base", List.of(), null).sample(facts));
        assertNull(sniffer.compile("hdr", List.of("x-absent"), null).sample(facts));
        assertEquals(0L, sniffer.compile("hdr_cnt", List.of("x-absent"), null).sample(facts));
    }

    @Test
    void sniffedHeadersAreReadOnly() {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(sniffer,
                latin1("GET / HTTP/1.1\r\nHost: a\r\nCookie: secret=1\r\n\r\n"), facts, Buffers.UNPOOLED_HEAP));
        HeaderEditor headers = facts.get(WellKnownFacts.HTTP_HEADERS);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> headers.set("host", "b"));
        assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains("mode http"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> headers.add("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> headers.remove("host"));
        assertThrows(UnsupportedOperationException.class, () -> headers.getAll("host").add("b"));
        assertEquals("a", headers.get("HOST"));
        assertEquals(List.of(), headers.getAll("x-none"));
        assertTrue(!headers.toString().contains("secret"), "values stay out of logs: " + headers);
    }

    // ---------------------------------------------------------------- not (valid) HTTP

    private static byte[] tlsClientHelloStart() {
        // TLS record header (handshake, TLS 1.0 record version), then a ClientHello header.
        return new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xF1, 0x01, 0x00, 0x00, (byte) 0xED, 0x03, 0x03, 1, 2, 3};
    }

    private static String fields(int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("X-").append(i).append(": v\r\n");
        }
        return s.toString();
    }

    /** name, wire, and after how many bytes (fed one at a time) the verdict must come, or -1 for "at the end" */
    static Stream<Arguments> notHttp() {
        String ok = "GET / HTTP/1.1\r\n";
        return Stream.of(
                Arguments.of("TLS ClientHello", tlsClientHelloStart(), 1),
                Arguments.of("SSH banner", latin1("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"), 39),
                Arguments.of("SSH banner, short", latin1("SSH-2.0-OpenSSH_9.6\r\n"), 20),
                Arguments.of("HTTP/2 prior-knowledge preface", latin1("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 12),
                Arguments.of("NUL byte", new byte[] {0, 'G', 'E', 'T'}, 1),
                Arguments.of("empty line before the request-line", latin1("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 1),
                Arguments.of("bare LF ending the request-line", latin1("GET / HTTP/1.1\nHost: a\n\n"), 15),
                Arguments.of("bare LF ending a field", latin1(ok + "Host: a\nX: b\r\n\r\n"), 24),
                Arguments.of("bare LF ending the head", latin1(ok + "Host: a\r\n\n"), 26),
                Arguments.of("CR without LF ending the head", latin1(ok + "Host: a\r\n\rX"), 27),
                Arguments.of("obs-fold", latin1(ok + "X-Long: a\r\n b\r\n\r\n"), 28),
                Arguments.of("obs-fold with HTAB", latin1(ok + "X-Long: a\r\n\tb\r\n\r\n"), 28),
                Arguments.of("whitespace before the first field", latin1(ok + " Host: a\r\n\r\n"), 17),
                Arguments.of("space before the colon", latin1(ok + "Host : a\r\n\r\n"), 21),
                Arguments.of("tab before the colon", latin1(ok + "Host\t: a\r\n\r\n"), 21),
                Arguments.of("empty field name", latin1(ok + ": a\r\n\r\n"), 17),
                Arguments.of("invalid character in a field name", latin1(ok + "Ho(st: a\r\n\r\n"), 19),
                Arguments.of("field line without a colon", latin1(ok + "Host\r\n\r\n"), 21),
                Arguments.of("bad method token", latin1("G(T / HTTP/1.1\r\n\r\n"), 2),
                Arguments.of("method with a slash", latin1("GET/ / HTTP/1.1\r\n\r\n"), 4),
                Arguments.of("tab after the method", latin1("GET\t/ HTTP/1.1\r\n\r\n"), 4),
                Arguments.of("empty method", latin1(" / HTTP/1.1\r\n\r\n"), 1),
                Arguments.of("method longer than 32", latin1("A".repeat(33) + " / HTTP/1.1\r\n\r\n"), 33),
                Arguments.of("two spaces after the method", latin1("GET  / HTTP/1.1\r\n\r\n"), 5),
                Arguments.of("space inside the target", latin1("GET /a b HTTP/1.1\r\n\r\n"), 8),
                Arguments.of("control character in the target", latin1("GET /a\u0001b HTTP/1.1\r\n\r\n"), 7),
                Arguments.of("raw 8-bit byte in the target", latin1("GET /caf\u00e9 HTTP/1.1\r\n\r\n"), 9),
                Arguments.of("target of another form", latin1("GET ?x HTTP/1.1\r\n\r\n"), 5),
                Arguments.of("missing HTTP version (HTTP/0.9)", latin1("GET /\r\n\r\n"), 6),
                Arguments.of("missing HTTP version after a space", latin1("GET / \r\n\r\n"), 7),
                Arguments.of("lower-case HTTP-name", latin1("GET / http/1.1\r\n\r\n"), 7),
                Arguments.of("HTTP/2.0", latin1("GET / HTTP/2.0\r\n\r\n"), 12),
                Arguments.of("HTTP/1.2", latin1("GET / HTTP/1.2\r\n\r\n"), 14),
                Arguments.of("HTTP/1.10", latin1("GET / HTTP/1.10\r\n\r\n"), 15),
                Arguments.of("space after the version", latin1("GET / HTTP/1.1 \r\n\r\n"), 15),
                Arguments.of("NUL in a value", latin1(ok + "Host: a\u0000b\r\n\r\n"), -1),
                Arguments.of("CR inside a value", latin1(ok + "Host: a\rb\r\n\r\n"), -1),
                Arguments.of("DEL in a value", latin1(ok + "X: a\u007fb\r\nHost: a\r\n\r\n"), -1),
                Arguments.of("two Host headers", latin1(ok + "Host: app1.example.com\r\nHost: app2.example.com\r\n\r\n"), -1),
                Arguments.of("two identical Host headers", latin1(ok + "Host: a\r\nhost: a\r\n\r\n"), -1),
                Arguments.of("absolute-form and a different Host",
                        latin1("GET http://app2.example.com/ HTTP/1.1\r\nHost: app1.example.com\r\n\r\n"), -1),
                Arguments.of("absolute-form with userinfo and a different Host",
                        latin1("GET http://app1.example.com@app2.example.com/ HTTP/1.1\r\nHost: app1.example.com\r\n\r\n"), -1),
                Arguments.of("CONNECT and a different Host",
                        latin1("CONNECT app2.example.com:443 HTTP/1.1\r\nHost: app1.example.com:443\r\n\r\n"), -1),
                Arguments.of("more than 101 field lines", latin1(ok + fields(102) + "\r\n"),
                        latin1(ok + fields(101)).length + 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notHttp")
    void notAValidRequestHeadIsNotApplicable(String what, byte[] wire, int verdictAt) {
        for (Buffers buffers : Buffers.values()) {
            for (int chunk : new int[] {Integer.MAX_VALUE, 1, 50}) {
                MapFacts facts = new MapFacts();
                Verdict verdict = feed(sniffer, wire, chunk, facts, buffers);
                assertEquals(SniffResult.NOT_APPLICABLE, verdict.result(), what + ", chunks of " + chunk + ", " + buffers);
                if (chunk == 1) {
                    // NEED_MORE for every valid prefix, NOT_APPLICABLE from the first byte that is not.
                    assertEquals(verdictAt < 0 ? wire.length : verdictAt, verdict.at(), "bytes fed when NOT_APPLICABLE");
                }
            }
        }
    }

    @Test
    void everyPrefixOfARequestHeadNeedsMore() {
        byte[] wire = latin1("GET /a?b HTTP/1.1\r\nHost: app1.example.com\r\nX-F: \"v, w\"\r\n\r\n");
        for (int length = 0; length < wire.length; length++) {
            assertEquals(SniffResult.NEED_MORE,
                    sniffWhole(sniffer, Arrays.copyOf(wire, length), new MapFacts(), Buffers.UNPOOLED_HEAP), "prefix " + length);
        }
        assertEquals(SniffResult.DONE, sniffWhole(sniffer, wire, new MapFacts(), Buffers.UNPOOLED_HEAP));
    }

    @Test
    void prefixesOfKnownMethodsNeedMore() {
        for (String method : new String[] {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
            for (int length = 1; length <= method.length(); length++) {
                assertEquals(SniffResult.NEED_MORE, sniffWhole(sniffer, latin1(method.substring(0, length)),
                        new MapFacts(), Buffers.UNPOOLED_HEAP), method.substring(0, length));
            }
        }
    }

    // ---------------------------------------------------------------- the peek limit

    /** A valid head of exactly {@code length} bytes, padded in a field value. */
    private static byte[] headOfLength(int length) {
        String start = "GET / HTTP/1.1\r\nHost: app1.example.com\r\nX-Pad: ";
        String end = "\r\n\r\n";
        int pad = length - start.length() - end.length();
        assertTrue(pad >= 0);
        byte[] wire = latin1(start + "p".repeat(pad) + end);
        assertEquals(length, wire.length);
        return wire;
    }

    @Test
    void headUpToTheLimitIsReadAndLongerIsNotApplicable() {
        HttpSniffer small = new HttpSniffer(1024);
        assertEquals(1024, small.peekLimit());
        for (Buffers buffers : Buffers.values()) {
            for (int chunk : new int[] {Integer.MAX_VALUE, 1, 50}) {
                MapFacts exact = new MapFacts();
                assertEquals(new Verdict(SniffResult.DONE, 1024), feed(small, headOfLength(1024), chunk, exact, buffers));
                assertEquals("app1.example.com", exact.get(WellKnownFacts.HTTP_HEADERS).get("host"));

                byte[] tooLong = headOfLength(1025);
                Verdict verdict = feed(small, tooLong, chunk, new MapFacts(), buffers);
                assertEquals(SniffResult.NOT_APPLICABLE, verdict.result());
                // Decided when the cap is reached, without waiting for the rest.
                assertEquals(chunk == Integer.MAX_VALUE ? 1025 : Math.min(1025, (1024 + chunk - 1) / chunk * chunk),
                        verdict.at());
            }
        }
        // A head that never ends: NEED_MORE below the cap, NOT_APPLICABLE at it.
        byte[] endless = Arrays.copyOf(headOfLength(4096), 1024);
        assertEquals(SniffResult.NEED_MORE, sniffWhole(small, Arrays.copyOf(endless, 1023), new MapFacts(), Buffers.UNPOOLED_HEAP));
        assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole(small, endless, new MapFacts(), Buffers.UNPOOLED_HEAP));
        // A long request-target counts too.
        byte[] longTarget = latin1("GET /" + "a".repeat(2000) + " HTTP/1.1\r\n\r\n");
        assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole(small, longTarget, new MapFacts(), Buffers.POOLED_DIRECT));
        assertEquals(SniffResult.DONE, sniffWhole(sniffer, longTarget, new MapFacts(), Buffers.POOLED_DIRECT));
    }

    @Test
    void headAtTheDefaultLimit() {
        assertEquals(SniffResult.DONE, sniffWhole(sniffer, headOfLength(16 * 1024), new MapFacts(), Buffers.POOLED_DIRECT));
        assertEquals(SniffResult.NOT_APPLICABLE,
                sniffWhole(sniffer, headOfLength(16 * 1024 + 1), new MapFacts(), Buffers.POOLED_DIRECT));
    }

    @Test
    void exactly101FieldsAreRead() {
        byte[] wire = latin1("GET / HTTP/1.1\r\n" + fields(101) + "\r\n");
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(sniffer, wire, facts, Buffers.UNPOOLED_HEAP));
        assertEquals(101, ((SniffedHeaders) facts.get(WellKnownFacts.HTTP_HEADERS)).size());
    }

    // ---------------------------------------------------------------- robustness

    /**
     * Never throws, whatever the bytes: random corruptions and truncations of a real head, with a
     * fixed seed so that a failure reproduces.
     */
    @Test
    void corruptedHeadsNeverThrow() {
        byte[] seed = latin1("POST http://app1.example.com/x?y HTTP/1.1\r\nHost: app1.example.com\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nX-F: \"a, b\", c\r\nContent-Length: 3\r\n\r\nabc");
        Random random = new Random(20240611L);
        ByteBuf in = Unpooled.buffer(256);
        try {
            int done = 0;
            for (int round = 0; round < 20000; round++) {
                byte[] wire = seed.clone();
                int changes = 1 + random.nextInt(3);
                for (int i = 0; i < changes; i++) {
                    wire[random.nextInt(wire.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) {
                    wire = Arrays.copyOf(wire, random.nextInt(wire.length + 1));
                }
                in.clear().writeBytes(wire);
                MapFacts out = new MapFacts();
                if (sniff(sniffer, in, out) == SniffResult.DONE) {
                    done++;
                    assertTrue(out.get(WellKnownFacts.HTTP_METHOD).length() > 0);
                }
            }
            // Changes in the body, in values and in the path keep the head valid.
            assertTrue(done > 0, "no corrupted head was still valid: the test exercises nothing");
        } finally {
            in.release();
        }
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void peekLimitDefaultsTo16KiB() {
        assertEquals(16 * 1024, sniffer.peekLimit());
        assertEquals(16 * 1024, new HttpSniffer(config(HttpSniffer.DEFAULT_MAX_HEAD_BYTES)).peekLimit());
    }

    @Test
    void configuredCapIsClampedToItsRange() {
        assertEquals(65536, new HttpSniffer(config(65536)).peekLimit());
        assertEquals(1024, new HttpSniffer(config(10)).peekLimit());
        assertEquals(1024 * 1024, new HttpSniffer(config(Integer.MAX_VALUE)).peekLimit());
        assertThrows(IllegalArgumentException.class, () -> new HttpSniffer(100));
    }

    @SuppressWarnings("all")
    private static HttpSniffer.Config config(int maxHeadBytes) {
        return new HttpSniffer.Config() {
            @Override
            public int max_head_bytes() {
                return maxHeadBytes;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return HttpSniffer.Config.class;
            }
        };
    }
}
