package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForwardingHeadersTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "app1.example.com|true", "APP1.Example.COM:80|true", "127.0.0.1:8080|true", "[::1]:443|true",
        "[2001:db8::1]|true", "xn--bcher-kva.example|true", "''|true",
        "a b|false", "a/b|false", "a?b|false", "a#b|false", "user@host|false", "host:|true", "host:8x|false",
        "[::1|false", "[::g]|false", "a\"b|false"})
    void hostValidity(String host, boolean valid) {
        assertEquals(valid, ForwardingHeaders.isValidHost(host), host);
    }

    @Test
    void forwardedForIpv4() throws Exception {
        HttpHeaders h = new DefaultHttpHeaders();
        ForwardingHeaders.appendForwarded(h, InetAddress.getByName("192.0.2.60"), false, "example.com");
        assertEquals("for=192.0.2.60;proto=http;host=example.com", h.get("forwarded"));
    }

    @Test
    void forwardedForIpv6IsQuotedAndBracketedAndAHostWithAPortIsQuoted() throws Exception {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Forwarded", "for=192.0.2.43");
        ForwardingHeaders.appendForwarded(h, InetAddress.getByName("2001:db8:cafe:0:0:0:0:17"), true, "example.com:8443");
        assertEquals("for=192.0.2.43, for=\"[2001:db8:cafe::17]\";proto=https;host=\"example.com:8443\"",
                h.get("forwarded"));
    }

    @Test
    void ipv4MappedAddressesNeverReachTheWire() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7};
        InetAddress a = Inet6Address.getByAddress(null, mapped, -1);
        assertTrue(ForwardingHeaders.unmapped(a) instanceof Inet4Address);
        assertEquals("192.0.2.7", ForwardingHeaders.addressText(a));
        HttpHeaders h = new DefaultHttpHeaders();
        ForwardingHeaders.appendForwarded(h, a, false, null);
        assertEquals("for=192.0.2.7;proto=http", h.get("forwarded"));
    }

    @Test
    void xForwardedForCombinesExistingFields() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("X-Forwarded-For", "203.0.113.1");
        h.add("X-Forwarded-For", "198.51.100.2");
        ForwardingHeaders.appendForwardedFor(h, "127.0.0.1");
        assertEquals(java.util.List.of("203.0.113.1, 198.51.100.2, 127.0.0.1"), h.getAll("x-forwarded-for"));
    }

    @Test
    void quotedStringsEscapeQuotesAndBackslashes() {
        StringBuilder sb = new StringBuilder();
        ForwardingHeaders.appendTokenOrQuoted(sb, "a\"b\\c");
        assertEquals("\"a\\\"b\\\\c\"", sb.toString());
    }

    @Test
    void hopByHopStrippingKeepsFramingAndHostAndTeTrailers() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Connection", "close, X-A, host");
        h.add("Connection", "content-length,transfer-encoding , upgrade");
        h.add("X-A", "1").add("Host", "h").add("Content-Length", "3").add("Transfer-Encoding", "chunked")
                .add("Upgrade", "websocket").add("TE", "gzip;q=1, trailers").add("Keep-Alive", "x")
                .add("Proxy-Connection", "y");
        ForwardingHeaders.stripHopByHop(h, false, true);
        assertNull(h.get("connection"));
        assertNull(h.get("x-a"));
        assertNull(h.get("upgrade"));
        assertNull(h.get("keep-alive"));
        assertNull(h.get("proxy-connection"));
        assertEquals("h", h.get("host"));
        assertEquals("3", h.get("content-length"));
        assertEquals("chunked", h.get("transfer-encoding"));
        assertEquals("trailers", h.get("te"));
    }

    @Test
    void upgradeIsKeptWhenSwitching() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("Connection", "Upgrade").add("Upgrade", "websocket").add("TE", "gzip");
        ForwardingHeaders.stripHopByHop(h, true, true);
        assertEquals("websocket", h.get("upgrade"));
        assertFalse(h.contains("te"));
    }
}
