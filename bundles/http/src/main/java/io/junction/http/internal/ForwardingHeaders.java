package io.junction.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Iterator;

/**
 * What a proxy changes in the header section it forwards: it drops the hop-by-hop fields and
 * adds {@code X-Forwarded-For} or {@code Forwarded}. Event loop only; static helpers.
 */
final class ForwardingHeaders {

    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_ORIGINAL_TO = AsciiString.cached("x-original-to");
    /** Netty deprecates its constant (Keep-Alive is obsolete in HTTP/1.1); proxies still must drop it. */
    static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final String TRAILERS = "trailers";

    private ForwardingHeaders() {
    }

    /**
     * Removes the hop-by-hop fields (RFC 9110 section 7.6.1): {@code Connection} and every field
     * it names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE} (a request's
     * {@code TE: trailers} is kept: it tells the server that the client accepts trailers and is
     * what gRPC needs) and {@code Upgrade} unless the exchange is an upgrade.
     *
     * <p>{@code Host}, {@code Content-Length} and {@code Transfer-Encoding} are never removed
     * because {@code Connection} names them: the proxy frames the message it forwards with
     * them, and a client writing {@code Connection: content-length} would otherwise make the
     * proxy forward a body without its length, which the server would read as the next request
     * (request smuggling). Transfer-Encoding itself is re-encoded by the codec.
     *
     * @param keepUpgrade whether this exchange switches protocols: keep {@code Upgrade}
     * @param request whether these are request headers ({@code TE} only means something there)
     */
    static void stripHopByHop(HttpHeaders h, boolean keepUpgrade, boolean request) {
        if (h.contains(HttpHeaderNames.CONNECTION)) {
            Iterator<String> values = h.valueStringIterator(HttpHeaderNames.CONNECTION);
            String[] named = null;
            int count = 0;
            while (values.hasNext()) {
                String value = values.next();
                int start = 0;
                while (start <= value.length()) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? value.length() : comma;
                    String token = value.substring(start, end).trim();
                    if (!token.isEmpty() && !isProtected(token, keepUpgrade)) {
                        if (named == null) {
                            named = new String[4];
                        } else if (count == named.length) {
                            named = java.util.Arrays.copyOf(named, count * 2);
                        }
                        named[count++] = token;
                    }
                    if (comma < 0) {
                        break;
                    }
                    start = comma + 1;
                }
            }
            for (int i = 0; i < count; i++) {
                h.remove(named[i]);
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        if (request && h.contains(HttpHeaderNames.TE)) {
            boolean trailers = false;
            for (String v : h.getAll(HttpHeaderNames.TE)) {
                for (String t : v.split(",")) {
                    int semi = t.indexOf(';');
                    String coding = (semi < 0 ? t : t.substring(0, semi)).trim();
                    trailers |= coding.equalsIgnoreCase(TRAILERS);
                }
            }
            if (trailers) {
                h.set(HttpHeaderNames.TE, TRAILERS);
            } else {
                h.remove(HttpHeaderNames.TE);
            }
        }
        if (!keepUpgrade) {
            h.remove(HttpHeaderNames.UPGRADE);
        }
    }

    private static boolean isProtected(String token, boolean keepUpgrade) {
        return HttpHeaderNames.HOST.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(token)
                || keepUpgrade && HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(token);
    }

    /**
     * The client address as text for headers: dotted quad for IPv4, RFC 5952 compressed form
     * for IPv6, never an IPv4-mapped IPv6 address (RFC 4291 section 2.5.5.2: an IPv4 client on
     * a dual-stack socket is an IPv4 client, and backends that parse X-Forwarded-For as IPv4
     * would otherwise see {@code ::ffff:a.b.c.d}), never a scope id.
     */
    static String addressText(InetAddress address) {
        return NetUtil.toAddressString(unmapped(address));
    }

    static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return a;
    }

    /**
     * {@code option forwardfor}: appends the client address to {@code X-Forwarded-For} as one
     * more list element, creating the field when absent. Several fields are combined into one
     * (RFC 9110 section 5.3 makes that equivalent), so a backend that reads only the first field
     * still sees the whole chain, ending with the address this proxy saw.
     */
    static void appendForwardedFor(HttpHeaders h, String client) {
        if (!h.contains(X_FORWARDED_FOR)) {
            h.set(X_FORWARDED_FOR, client);
            return;
        }
        StringBuilder chain = new StringBuilder(64);
        // getAll keeps the fields' order; Netty's value iterators run newest first.
        for (String field : h.getAll(X_FORWARDED_FOR)) {
            String v = field.trim();
            if (!v.isEmpty()) {
                chain.append(v).append(", ");
            }
        }
        h.set(X_FORWARDED_FOR, chain.append(client));
    }

    /**
     * {@code option forwarded}: appends one forwarded-element (RFC 7239 section 4) to
     * {@code Forwarded}:
     * <pre>
     *   forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
     *   forwarded-pair    = token "=" value          ; value = token / quoted-string
     *   for=192.0.2.60;proto=http;host=example.com
     *   for="[2001:db8:cafe::17]";proto=https;host="example.com:8443"
     * </pre>
     * An IPv6 node is bracketed and therefore quoted (RFC 7239 section 6: "[" and ":" are not
     * token characters); {@code host} is the request's Host field (section 5.3), quoted when it
     * is not a token (a port makes it so).
     */
    static void appendForwarded(HttpHeaders h, InetAddress client, boolean https, String host) {
        InetAddress a = unmapped(client);
        StringBuilder e = new StringBuilder(64);
        e.append("for=");
        if (a instanceof Inet6Address) {
            e.append("\"[").append(NetUtil.toAddressString(a)).append("]\"");
        } else {
            e.append(NetUtil.toAddressString(a));
        }
        e.append(";proto=").append(https ? "https" : "http");
        if (host != null && !host.isEmpty()) {
            e.append(";host=");
            appendTokenOrQuoted(e, host);
        }
        if (h.contains(FORWARDED)) {
            StringBuilder all = new StringBuilder(128);
            for (String field : h.getAll(FORWARDED)) {
                String v = field.trim();
                if (!v.isEmpty()) {
                    all.append(v).append(", ");
                }
            }
            h.set(FORWARDED, all.append(e));
        } else {
            h.set(FORWARDED, e);
        }
    }

    /**
     * The forwarding fields the frontend's options ask for, added to a request about to be
     * forwarded: {@code option forwardfor} ({@code X-Forwarded-For}), {@code option forwarded}
     * ({@code Forwarded}, {@code proto=https} on a TLS-terminated connection) and
     * {@code option originalto} ({@code X-Original-To}, the address the client connected to).
     * Shared by HTTP/1.x and HTTP/2 clients, so both look the same to a server.
     */
    static void addForwarding(HttpHeaders h, io.junction.api.Facts facts, boolean forwardFor, boolean forwarded,
            boolean originalTo) {
        if (forwardFor) {
            appendForwardedFor(h, addressText(facts.source().getAddress()));
        }
        if (forwarded) {
            appendForwarded(h, facts.source().getAddress(), facts.tlsTerminated(), h.get(HttpHeaderNames.HOST));
        }
        if (originalTo) {
            // HAProxy's option originalto: the address the client connected to, added as a field.
            h.add(X_ORIGINAL_TO, addressText(facts.destination().getAddress()));
        }
    }

    /** RFC 9110 section 5.6.2 token, else section 5.6.4 quoted-string with quoted-pairs. */
    static void appendTokenOrQuoted(StringBuilder out, String value) {
        boolean token = !value.isEmpty();
        for (int i = 0; i < value.length() && token; i++) {
            token = isTchar(value.charAt(i));
        }
        if (token) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    static boolean isTchar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /**
     * Whether a Host field value is a uri-host with an optional port (RFC 9110 section 7.2,
     * RFC 3986 section 3.2.2): reg-name characters, an IP-literal in brackets, digits after
     * ':'. Spaces, '/', '?', '#', '@' and the like are rejected: a Host such a value is a
     * cache-poisoning and routing-confusion vector.
     */
    static boolean isValidHost(String host) {
        int n = host.length();
        if (n == 0) {
            return true; // RFC 9112 section 3.2: an empty Host is allowed when the URI has no authority
        }
        int i = 0;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = host.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            for (; i < n && host.charAt(i) != ':'; i++) {
                char c = host.charAt(i);
                boolean unreserved = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || c == '-' || c == '.' || c == '_' || c == '~';
                boolean subDelim = "!$&'()*+,;=".indexOf(c) >= 0;
                if (!unreserved && !subDelim && c != '%') {
                    return false;
                }
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':') {
            return false;
        }
        for (i++; i < n; i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
