package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.HttpAction;
import io.junction.api.SampleType;
import io.junction.api.WellKnownFacts;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderActionProviderTest {
    private final HeaderActionProvider provider = new HeaderActionProvider();
    private final ConfigContextStub ctx = new ConfigContextStub();

    private RequestFacts request(HttpHeaders h, boolean tls, String client) throws Exception {
        TestFacts conn = new TestFacts(new InetSocketAddress(InetAddress.getByName(client), 40000),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080), tls);
        NettyHeaderEditor editor = new NettyHeaderEditor().target(h);
        return new RequestFacts(conn).reset("GET", "/", editor);
    }

    private String render(String format, HttpHeaders h, boolean tls, String client) throws Exception {
        HttpAction a = provider.parse("set-header", ConfigContextStub.words("X-Out", format), ctx);
        RequestFacts f = request(h, tls, client);
        a.apply(f.get(WellKnownFacts.HTTP_HEADERS), f);
        return h.get("x-out");
    }

    @Test
    void theSeedArticlesSetHeaderIsAConstant() throws Exception {
        HttpHeaders h = new DefaultHttpHeaders();
        HttpAction a = provider.parse("set-header", ConfigContextStub.words("X-Forwarded-Proto", "https"), ctx);
        h.add("X-Forwarded-Proto", "http").add("X-Forwarded-Proto", "ftp");
        RequestFacts f = request(h, true, "127.0.0.1");
        assertEquals(HttpAction.CONTINUE, a.apply(f.get(WellKnownFacts.HTTP_HEADERS), f));
        assertEquals(List.of("https"), h.getAll("x-forwarded-proto"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "plain|plain",
        "100%%|100%",
        "%[hdr(host)]|app.example.com",
        "<%[hdr(host)]>|<app.example.com>",
        "%[missing]|''",
        "a%[missing]b|ab",
        "%[ssl_fc]|1",
        "%ci:%cp|10.1.2.3:40000",
        "%fi:%fp|127.0.0.1:8080",
        "%[src]|10.1.2.3",
        "'  padded  '|padded"})
    void logFormatRendering(String format, String expected) throws Exception {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "app.example.com");
        assertEquals(expected, render(format, h, true, "10.1.2.3"));
    }

    @Test
    void anIpv6ClientRendersCompressedWithoutBrackets() throws Exception {
        assertEquals("2001:db8::1", render("%ci", new DefaultHttpHeaders(), false, "2001:db8:0:0:0:0:0:1"));
    }

    @Test
    void samplesThatCannotBeInAFieldValueArePercentEncoded() throws Exception {
        ctx.extra.put("weird", ConfigContextStub.fetch(SampleType.STRING, f -> "a\u0001b\u00e9"));
        assertEquals("a%01b%C3%A9", render("%[weird]", new DefaultHttpHeaders(), false, "127.0.0.1"));
    }

    @Test
    void addHeaderKeepsTheOthersAndDelHeaderRemovesThemAll() throws Exception {
        HttpHeaders h = new DefaultHttpHeaders().add("Via", "a");
        RequestFacts f = request(h, false, "127.0.0.1");
        provider.parse("add-header", ConfigContextStub.words("Via", "junction"), ctx).apply(f.get(WellKnownFacts.HTTP_HEADERS), f);
        assertEquals(List.of("a", "junction"), h.getAll("via"));
        provider.parse("del-header", ConfigContextStub.words("via"), ctx).apply(f.get(WellKnownFacts.HTTP_HEADERS), f);
        assertTrue(h.getAll("via").isEmpty());
    }

    @Test
    void denyAnswers403OrTheStatusGiven() throws Exception {
        RequestFacts f = request(new DefaultHttpHeaders(), false, "127.0.0.1");
        assertEquals(403, provider.parse("deny", ConfigContextStub.words(), ctx).apply(null, f));
        assertEquals(429, provider.parse("deny", ConfigContextStub.words("deny_status", "429"), ctx).apply(null, f));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "set-header|Bad Name,v",
        "set-header|Content-Length,0",
        "add-header|transfer-encoding,chunked",
        "del-header|Content-Length",
        "set-header|X-A",
        "set-header|X-A,%x",
        "set-header|X-A,%{+Q}[hdr(host)]",
        "set-header|X-A,%[hdr(host)",
        "set-header|X-A,50%",
        "set-header|X-A,%[nosuchfetch]",
        "set-header|X-A,%[]",
        "deny|deny_status,99",
        "deny|deny_status,abc",
        "deny|deny_status",
        "deny|content-type,text/plain",
        "del-header|X-A,-m,beg"})
    void configErrors(String keyword, String args) {
        assertThrows(ConfigException.class, () -> provider.parse(keyword, ConfigContextStub.words(args.split(",")), ctx));
    }
}
