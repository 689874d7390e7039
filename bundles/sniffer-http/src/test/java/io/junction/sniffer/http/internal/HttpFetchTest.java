package io.junction.sniffer.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.junction.api.WellKnownFacts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fetches on facts stored by hand, as the HTTP mode stores them for each request (a
 * {@link TestHeaders} under {@link WellKnownFacts#HTTP_HEADERS}): they work without the sniffer
 * ever running. Semantics from HAProxy's configuration manual, section 7.3.6.
 */
class HttpFetchTest {

    private final HttpSniffer sniffer = new HttpSniffer(HttpSniffer.DEFAULT_MAX_HEAD_BYTES);

    private Fetch fetch(String keyword, String... args) throws ConfigException {
        return sniffer.compile(keyword, Arrays.asList(args), null);
    }

    /** Facts as the HTTP mode stores them for one request. */
    private static MapFacts request(String method, String target, TestHeaders headers) {
        MapFacts facts = new MapFacts();
        facts.put(WellKnownFacts.HTTP_METHOD, method);
        facts.put(WellKnownFacts.HTTP_URI, target);
        facts.put(WellKnownFacts.HTTP_HEADERS, headers);
        return facts;
    }

    private static MapFacts headers(String... nameValues) {
        return request("GET", "/", TestHeaders.of(nameValues));
    }

    // ---------------------------------------------------------------- hdr / req.hdr

    @Test
    void singleValueIsAStringWithoutAList() throws ConfigException {
        MapFacts facts = headers("Host", "app1.example.com", "Accept", "*/*");
        assertEquals("app1.example.com", fetch("hdr", "host").sample(facts));
        assertEquals("app1.example.com", fetch("req.hdr", "host").sample(facts));
    }

    @Test
    void headerNameIsLowerCasedOnceAtCompileTime() throws ConfigException {
        TestHeaders headers = TestHeaders.of("host", "app1.example.com");
        MapFacts facts = request("GET", "/", headers);
        Fetch hdr = fetch("hdr", " Host ");
        assertEquals("hdr(host)", hdr.toString());
        assertEquals("app1.example.com", hdr.sample(facts));
        assertEquals(1L, fetch("hdr_cnt", "HOST").sample(facts));
        assertEquals(List.of("host", "host"), headers.asked, "looked up by its lower-case name");
    }

    @Test
    void everyOccurrenceIsReturnedForAclsToMatchAny() throws ConfigException {
        MapFacts facts = headers("X-Forwarded-For", "10.0.0.1, 10.0.0.2", "x-forwarded-for", "10.0.0.3");
        Object all = fetch("hdr", "x-forwarded-for").sample(facts);
        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), all, "split on commas, across field lines");
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) all).clear());
        assertEquals(all, fetch("hdr", "x-forwarded-for", "0").sample(facts), "occurrence 0: every value");
        assertEquals(3L, fetch("hdr_cnt", "x-forwarded-for").sample(facts));
        assertEquals(3L, fetch("req.hdr_cnt", "x-forwarded-for").sample(facts));
        assertEquals(2L, fetch("req.fhdr_cnt", "x-forwarded-for").sample(facts));
        assertEquals(List.of("10.0.0.1, 10.0.0.2", "10.0.0.3"), fetch("req.fhdr", "x-forwarded-for").sample(facts));
    }

    /** header lines, occurrence, expected value (null: none) */
    static Stream<Arguments> occurrences() {
        List<String> xff = List.of("10.0.0.1, 10.0.0.2", "10.0.0.3");
        return Stream.of(
                Arguments.of(xff, "1", "10.0.0.1"),
                Arguments.of(xff, "2", "10.0.0.2"),
                Arguments.of(xff, "3", "10.0.0.3"),
                Arguments.of(xff, "4", null),
                Arguments.of(xff, "-1", "10.0.0.3"),
                Arguments.of(xff, "-2", "10.0.0.2"),
                Arguments.of(xff, "-3", "10.0.0.1"),
                Arguments.of(xff, "-4", null),
                Arguments.of(xff, "+2", "10.0.0.2"),
                Arguments.of(List.of("one"), "-1", "one"),
                Arguments.of(List.of("a,"), "2", ""),
                Arguments.of(List.of("\"a, b\", c"), "1", "\"a, b\""),
                Arguments.of(List.of("\"a, b\", c"), "-1", "c"));
    }

    @ParameterizedTest(name = "{0} occ {1}")
    @MethodSource("occurrences")
    void occurrenceCountsFromTheFirstOrTheLast(List<String> lines, String occ, String expected) throws ConfigException {
        TestHeaders headers = new TestHeaders();
        for (String line : lines) {
            headers.add("X-H", line);
        }
        MapFacts facts = request("GET", "/", headers);
        assertEquals(expected, fetch("hdr", "x-h", occ).sample(facts));
    }

    @Test
    void fullHeaderOccurrences() throws ConfigException {
        MapFacts facts = headers("User-Agent", "Mozilla/5.0 (X11; Linux x86_64), foo", "User-Agent", "bar");
        assertEquals("Mozilla/5.0 (X11; Linux x86_64), foo", fetch("req.fhdr", "user-agent", "1").sample(facts));
        assertEquals("bar", fetch("req.fhdr", "user-agent", "-1").sample(facts));
        assertNull(fetch("req.fhdr", "user-agent", "3").sample(facts));
        assertEquals("a, b", fetch("req.fhdr", "x").sample(headers("X", "  a, b \t")), "OWS trimmed, commas kept");
    }

    /** one field line, the values hdr() sees */
    static Stream<Arguments> commaSeparated() {
        return Stream.of(
                Arguments.of("a", "a"),
                Arguments.of("  a  ", "a"),
                Arguments.of("a,b", List.of("a", "b")),
                Arguments.of(" a , b ,c ", List.of("a", "b", "c")),
                Arguments.of("a,", List.of("a", "")),
                Arguments.of(",", List.of("", "")),
                Arguments.of("", ""),
                Arguments.of("\"a, b\", c", List.of("\"a, b\"", "c")),
                Arguments.of("\"a\\\", b\", c", List.of("\"a\\\", b\"", "c")),
                Arguments.of("\"unterminated, still one", "\"unterminated, still one"),
                Arguments.of("APP1.Example.COM:80", "APP1.Example.COM:80"));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("commaSeparated")
    void hdrSplitsOnCommasOutsideQuotedStrings(String line, Object expected) throws ConfigException {
        MapFacts facts = headers("X", line);
        assertEquals(expected, fetch("hdr", "x").sample(facts));
        long count = expected instanceof List<?> list ? list.size() : 1;
        assertEquals(count, fetch("hdr_cnt", "x").sample(facts));
        assertEquals(1L, fetch("req.fhdr_cnt", "x").sample(facts));
        assertEquals(HeaderValues.trimOws(line), fetch("req.fhdr", "x").sample(facts));
    }

    @Test
    void absentHeaderIsNoSampleAndCountsZero() throws ConfigException {
        MapFacts facts = headers("Host", "a");
        assertNull(fetch("hdr", "x-absent").sample(facts));
        assertNull(fetch("hdr", "x-absent", "1").sample(facts));
        assertNull(fetch("req.fhdr", "x-absent").sample(facts));
        assertEquals(0L, fetch("hdr_cnt", "x-absent").sample(facts));
        assertEquals(0L, fetch("req.fhdr_cnt", "x-absent").sample(facts));
    }

    @Test
    void withoutARequestHeadEveryFetchIsUnknown() throws ConfigException {
        MapFacts nothing = new MapFacts();
        for (String keyword : HttpFetches.KEYWORDS) {
            Fetch f = keyword.contains("hdr") ? fetch(keyword, "host") : fetch(keyword);
            assertNull(f.sample(nothing), keyword);
        }
    }

    @Test
    void headersEditedByTheHttpModeAreSeenByTheNextEvaluation() throws ConfigException {
        TestHeaders headers = TestHeaders.of("Host", "app1.example.com");
        MapFacts facts = request("GET", "/", headers);
        Fetch hdr = fetch("hdr", "host");
        assertEquals("app1.example.com", hdr.sample(facts));
        headers.set("host", "app2.example.com");
        assertEquals("app2.example.com", hdr.sample(facts), "nothing cached across evaluations");
    }

    // ---------------------------------------------------------------- method, url, path, base

    /** request-target, path (null: none) */
    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of("/", "/"),
                Arguments.of("/a/b", "/a/b"),
                Arguments.of("/a/b?c=d", "/a/b"),
                Arguments.of("/?q", "/"),
                Arguments.of("/a?b?c", "/a"),
                Arguments.of("http://app1.example.com:8080/a/b?c=d", "/a/b"),
                Arguments.of("HTTPS://H/x", "/x"),
                Arguments.of("http://user:pw@h/x", "/x"),
                Arguments.of("http://app1.example.com", null),
                Arguments.of("http://app1.example.com?x", null),
                Arguments.of("*", null),
                Arguments.of("app1.example.com:443", null),
                Arguments.of("urn:x/y", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void pathIsTheTargetUpToTheQuery(String target, String path) throws ConfigException {
        MapFacts facts = request("GET", target, TestHeaders.of());
        assertEquals(path, fetch("path").sample(facts));
        assertSame(target, fetch("url").sample(facts), "url: the target as sent");
    }

    @Test
    void originFormWithoutQueryIsItsOwnPathWithoutCopy() throws ConfigException {
        String target = "/static/app.js";
        assertSame(target, fetch("path").sample(request("GET", target, TestHeaders.of())));
    }

    /** target, Host field lines, base (null: none) */
    static Stream<Arguments> bases() {
        return Stream.of(
                Arguments.of("/a/b?c=d", List.of("app1.example.com"), "app1.example.com/a/b"),
                Arguments.of("/", List.of("APP1.Example.COM:80"), "APP1.Example.COM:80/"),
                Arguments.of("/a/b?c=d", List.of(), "/a/b"),
                Arguments.of("/a", List.of(""), "/a"),
                Arguments.of("*", List.of("app1.example.com"), "app1.example.com"),
                Arguments.of("*", List.of(), null),
                Arguments.of("/x", List.of("first.example, second.example"), "first.example/x"),
                Arguments.of("/x", List.of("one.example", "two.example"), "one.example/x"),
                Arguments.of("http://app1.example.com/p?q", List.of("app1.example.com"), "app1.example.com/p"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bases")
    void baseIsTheFirstHostAndThePath(String target, List<String> hosts, String base) throws ConfigException {
        TestHeaders headers = new TestHeaders();
        for (String host : hosts) {
            headers.add("Host", host);
        }
        assertEquals(base, fetch("base").sample(request("GET", target, headers)));
    }

    @Test
    void methodIsAsSent() throws ConfigException {
        assertEquals("PROPFIND", fetch("method").sample(request("PROPFIND", "/", TestHeaders.of())));
        assertEquals("get", fetch("method").sample(request("get", "/", TestHeaders.of())), "case-sensitive (RFC 9110 9.1)");
    }

    // ---------------------------------------------------------------- same samples in both modes

    /**
     * The same head, once sniffed from bytes (mode tcp) and once stored by hand as the HTTP mode
     * would (mode http): every fetch gives the same sample.
     */
    @Test
    void sniffedAndStoredHeadsGiveTheSameSamples() throws ConfigException {
        String head = "POST http://app1.example.com/a/b?c=d HTTP/1.1\r\nHost: app1.example.com\r\n"
                + "X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nx-forwarded-for: 10.0.0.3\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64), x\r\n\r\n";
        MapFacts sniffed = new MapFacts();
        ByteBuf in = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        try {
            assertEquals(SniffResult.DONE, sniffer.sniff(in, sniffed));
        } finally {
            in.release();
        }
        MapFacts stored = request("POST", "http://app1.example.com/a/b?c=d", TestHeaders.of(
                "Host", "app1.example.com",
                "X-Forwarded-For", "10.0.0.1, 10.0.0.2", "x-forwarded-for", "10.0.0.3",
                "User-Agent", "Mozilla/5.0 (X11; Linux x86_64), x"));

        List<Fetch> fetches = new ArrayList<>();
        for (String name : List.of("host", "x-forwarded-for", "user-agent", "x-absent")) {
            for (String keyword : List.of("hdr", "req.hdr", "req.fhdr")) {
                fetches.add(fetch(keyword, name));
                fetches.add(fetch(keyword, name, "1"));
                fetches.add(fetch(keyword, name, "-1"));
            }
            for (String keyword : List.of("hdr_cnt", "req.hdr_cnt", "req.fhdr_cnt")) {
                fetches.add(fetch(keyword, name));
            }
        }
        for (String keyword : List.of("path", "url", "base", "method")) {
            fetches.add(fetch(keyword));
        }
        for (Fetch f : fetches) {
            assertEquals(f.sample(stored), f.sample(sniffed), f.toString());
        }
        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), fetch("hdr", "x-forwarded-for").sample(sniffed));
        assertEquals("app1.example.com/a/b", fetch("base").sample(sniffed));
    }

    // ---------------------------------------------------------------- compile()

    static Stream<Arguments> compilations() {
        return Stream.of(
                // keyword, args, expected type or null, expected error (start of message) or null
                Arguments.of("hdr", List.of("host"), SampleType.STRING, null),
                Arguments.of("req.hdr", List.of("host", "-1"), SampleType.STRING, null),
                Arguments.of("req.fhdr", List.of("user-agent"), SampleType.STRING, null),
                Arguments.of("hdr_cnt", List.of("host"), SampleType.INTEGER, null),
                Arguments.of("req.hdr_cnt", List.of("host"), SampleType.INTEGER, null),
                Arguments.of("req.fhdr_cnt", List.of("host"), SampleType.INTEGER, null),
                Arguments.of("path", List.of(), SampleType.STRING, null),
                Arguments.of("url", List.of(), SampleType.STRING, null),
                Arguments.of("base", List.of(), SampleType.STRING, null),
                Arguments.of("method", List.of(), SampleType.STRING, null),
                Arguments.of("hdr", List.of(" host ", " 2 "), SampleType.STRING, null),
                Arguments.of("hdr", List.of(), null, "hdr takes a header name and an optional occurrence"),
                Arguments.of("req.hdr", List.of("host", "1", "2"), null, "req.hdr takes a header name and an optional occurrence"),
                Arguments.of("req.fhdr", List.of(), null, "req.fhdr takes a header name"),
                Arguments.of("hdr", List.of(""), null, "hdr needs a header name"),
                Arguments.of("hdr", List.of("", "1"), null, "hdr needs a header name"),
                Arguments.of("hdr", List.of("ho st"), null, "hdr: 'ho st' is not a header name"),
                Arguments.of("hdr", List.of("host:"), null, "hdr: 'host:' is not a header name"),
                Arguments.of("hdr", List.of("host", "last"), null, "hdr: occurrence 'last' is not an integer"),
                Arguments.of("hdr", List.of("host", ""), null, "hdr: occurrence '' is not an integer"),
                Arguments.of("hdr_cnt", List.of(), null, "hdr_cnt takes one header name"),
                Arguments.of("req.hdr_cnt", List.of("host", "1"), null, "req.hdr_cnt takes one header name"),
                Arguments.of("req.fhdr_cnt", List.of(), null, "req.fhdr_cnt takes one header name"),
                Arguments.of("path", List.of("x"), null, "path takes no arguments"),
                Arguments.of("url", List.of(""), null, "url takes no arguments"),
                Arguments.of("base", List.of("a", "b"), null, "base takes no arguments"),
                Arguments.of("method", List.of("GET"), null, "method takes no arguments"),
                Arguments.of("req.ver", List.of(), null, "req.ver: not a fetch of the HTTP sniffer"),
                Arguments.of("HDR", List.of("host"), null, "HDR: not a fetch of the HTTP sniffer"),
                Arguments.of("hdr_dom", List.of("host"), null, "hdr_dom: not a fetch of the HTTP sniffer"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("compilations")
    void compile(String keyword, List<String> args, SampleType type, String error) throws ConfigException {
        if (error != null) {
            ConfigException e = assertThrows(ConfigException.class, () -> sniffer.compile(keyword, args, null));
            assertTrue(e.getMessage().startsWith(error), e.getMessage());
            return;
        }
        Fetch f = sniffer.compile(keyword, args, null);
        assertEquals(type, f.type());
        assertTrue(f.toString().startsWith(keyword), f.toString());
    }

    @Test
    void fetchesWithoutArgumentsAreSharedConstants() throws ConfigException {
        for (String keyword : List.of("path", "url", "base", "method")) {
            assertSame(fetch(keyword), sniffer.compile(keyword, null, null), keyword);
        }
    }

    @Test
    void everyKeywordCompiles() throws ConfigException {
        for (String keyword : HttpFetches.KEYWORDS) {
            Fetch f = keyword.contains("hdr") ? fetch(keyword, "host") : fetch(keyword);
            assertEquals(keyword.contains("cnt") ? SampleType.INTEGER : SampleType.STRING, f.type(), keyword);
        }
    }
}
