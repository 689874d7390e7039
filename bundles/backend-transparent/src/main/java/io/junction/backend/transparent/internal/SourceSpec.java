package io.junction.backend.transparent.internal;

import io.junction.api.ConfigException;
import io.junction.api.Words;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One parsed {@code source} server option, as HAProxy writes it (configuration manual, section
 * 5.2 "source" and section 4.2 "source"):
 * <pre>
 *   source &lt;addr&gt;[:&lt;port&gt;] [usesrc { &lt;addr2&gt;[:&lt;port2&gt;] | client | clientip } ]
 * </pre>
 * <ul>
 *   <li>{@code source ADDR} alone: bind the outbound socket to ADDR (a local address; no
 *       transparency, no privilege).</li>
 *   <li>{@code usesrc client}: present the client's own address <em>and port</em> to the server
 *       (IP_TRANSPARENT).</li>
 *   <li>{@code usesrc clientip}: the client's address, a port the system picks.</li>
 *   <li>{@code usesrc ADDR2[:PORT2]}: that (usually non-local) address, transparently.</li>
 * </ul>
 * With {@code usesrc}, HAProxy uses {@code <addr>} only for health checks; Junction's checks do
 * not apply server options, so it is parsed and kept but not used per connection.
 *
 * <p>Address forms: {@code *} (or empty, {@code 0.0.0.0}, {@code ::}) for any address,
 * IPv4 dotted quads, IPv6 literals bare or in brackets ({@code [2001:db8::1]:3000}), and the
 * {@code ipv4@}/{@code ipv6@} prefixes. A bare IPv6 literal followed by {@code :PORT} is read
 * with the port after the last colon, exactly as the core reads server addresses
 * ({@code 2001:db8::10:3000} is port 3000 of 2001:db8::10); write brackets to avoid doubt.
 * Only numeric addresses are accepted: a name would need a DNS lookup.
 *
 * <p>Not supported (a clear {@link ConfigException}): source port ranges ({@code :PL-PH}),
 * {@code usesrc hdr_ip(...)}, {@code interface NAME}.
 *
 * <p>Immutable; built at config time only.
 *
 * @param address the {@code source} address, or {@code null} for any address
 * @param family the family the address or an {@code ipv4@}/{@code ipv6@} prefix fixes, or
 *        {@code null} when any family will do ({@code *})
 * @param port the {@code source} port, 0 for the system's choice
 * @param mode what {@code usesrc} asked for
 * @param useAddress the {@code usesrc ADDR2} address ({@link Mode#ADDRESS} only), else null
 * @param usePort the {@code usesrc ADDR2:PORT2} port ({@link Mode#ADDRESS} only), else 0
 * @param text the option as written, normalised to single spaces, for logs
 */
record SourceSpec(InetAddress address, StandardProtocolFamily family, int port, Mode mode, InetAddress useAddress,
        int usePort, String text) {

    /** What {@code usesrc} asked for. */
    enum Mode {
        /** No {@code usesrc}: a plain local bind. */
        NONE,
        /** {@code usesrc client}: the client's address and port. */
        CLIENT,
        /** {@code usesrc clientip}: the client's address, a system-chosen port. */
        CLIENTIP,
        /** {@code usesrc ADDR2[:PORT2]}: a fixed address, transparently. */
        ADDRESS
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[\\w.-]+)?");

    /** Whether the outbound socket will carry IP_TRANSPARENT. */
    boolean transparent() {
        return mode != Mode.NONE;
    }

    /**
     * Config time: parses the words after the {@code source} keyword, consuming the address and,
     * when present, {@code usesrc} and its argument; leaves every later word for the next option.
     *
     * @throws ConfigException for a missing or malformed address, an unknown or unsupported
     *         {@code usesrc} argument, a port range or {@code interface}
     */
    static SourceSpec parse(Words words) throws ConfigException {
        String addressWord = words.next("an address: source ADDR|*[:PORT] [usesrc client|clientip|ADDR[:PORT]]");
        Endpoint source = Endpoint.parse(addressWord, "source");
        StringBuilder text = new StringBuilder("source ").append(addressWord);
        Mode mode = Mode.NONE;
        Endpoint use = null;
        String next = words.peek();
        if ("usesrc".equals(next)) {
            words.next("usesrc");
            String arg = words.next("what usesrc presents to the server: client, clientip or ADDR[:PORT]");
            text.append(" usesrc ").append(arg);
            if (arg.equals("client")) {
                mode = Mode.CLIENT;
            } else if (arg.equals("clientip")) {
                mode = Mode.CLIENTIP;
            } else if (arg.startsWith("hdr_ip(")) {
                throw new ConfigException("usesrc " + arg + " is not supported: Junction binds from the connection's own"
                        + " source (usesrc client or clientip) or a fixed address (usesrc ADDR[:PORT])");
            } else {
                use = Endpoint.parse(arg, "usesrc");
                if (use.address == null) {
                    throw new ConfigException("usesrc '" + arg + "': needs a specific address (or client, clientip);"
                            + " 'any' would not be transparent");
                }
                mode = Mode.ADDRESS;
            }
        } else if ("interface".equals(next)) {
            throw new ConfigException("source ... interface is not supported by Junction (it would need"
                    + " SO_BINDTODEVICE); route by address instead");
        }
        return new SourceSpec(source.address, source.family, source.port, mode,
                use == null ? null : use.address, use == null ? 0 : use.port, text.toString());
    }

    /** A parsed {@code [ipv4@|ipv6@]ADDR[:PORT]}. */
    record Endpoint(InetAddress address, StandardProtocolFamily family, int port) {

        /**
         * Config time; never resolves names.
         *
         * @param what "source" or "usesrc", for messages
         */
        static Endpoint parse(String spec, String what) throws ConfigException {
            StandardProtocolFamily forced = null;
            String s = spec;
            if (s.startsWith("ipv4@")) {
                forced = StandardProtocolFamily.INET;
                s = s.substring(5);
            } else if (s.startsWith("ipv6@")) {
                forced = StandardProtocolFamily.INET6;
                s = s.substring(5);
            } else if (s.contains("@")) {
                throw new ConfigException(what + " '" + spec + "': only the ipv4@ and ipv6@ prefixes are supported");
            }
            String host;
            String port = "";
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw new ConfigException(what + " '" + spec + "': missing ']'");
                }
                host = s.substring(1, close);
                String rest = s.substring(close + 1);
                if (rest.startsWith(":")) {
                    port = rest.substring(1);
                } else if (!rest.isEmpty()) {
                    throw new ConfigException(what + " '" + spec + "': expected ':PORT' after ']'");
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon < 0) {
                    host = s;
                } else {
                    String h = s.substring(0, colon);
                    String p = s.substring(colon + 1);
                    // HAProxy (and the core) read the port after the last colon. A bare IPv6
                    // literal without a port (::1, 2001:db8::1) does not split into a valid
                    // address and a port; then the whole word is the address.
                    if (isPortLike(p) && (h.isEmpty() || h.equals("*") || isLiteral(h))) {
                        host = h;
                        port = p;
                    } else {
                        host = s;
                    }
                }
            }
            int portNumber = parsePort(spec, what, port);
            InetAddress address;
            if (host.isEmpty() || host.equals("*")) {
                address = null;
            } else {
                if (!isLiteral(host)) {
                    throw new ConfigException(what + " '" + spec + "': '" + host + "' is not a numeric IPv4 or IPv6"
                            + " address (names are not resolved here; write [IPv6]:PORT for IPv6 with a port)");
                }
                try {
                    // A checked literal: InetAddress parses it without any lookup.
                    address = InetAddress.getByName(host);
                } catch (UnknownHostException e) {
                    throw new ConfigException(what + " '" + spec + "': '" + host + "' is not a valid address");
                }
                if (address.isAnyLocalAddress()) {
                    forced = forced != null ? forced
                            : address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
                    address = null;
                }
            }
            if (address != null) {
                StandardProtocolFamily own = address instanceof Inet4Address
                        ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
                if (forced != null && forced != own) {
                    throw new ConfigException(what + " '" + spec + "': "
                            + (forced == StandardProtocolFamily.INET ? "ipv4@ with an IPv6" : "ipv6@ with an IPv4")
                            + " address");
                }
                forced = own;
            }
            return new Endpoint(address, forced, portNumber);
        }

        private static boolean isPortLike(String p) {
            if (p.isEmpty()) {
                return true;
            }
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if ((c < '0' || c > '9') && c != '-') {
                    return false;
                }
            }
            return true;
        }

        private static int parsePort(String spec, String what, String port) throws ConfigException {
            if (port.isEmpty()) {
                return 0;
            }
            if (port.contains("-")) {
                throw new ConfigException(what + " '" + spec + "': source port ranges are not supported by Junction;"
                        + " write one port or none");
            }
            int n;
            try {
                n = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > 65535) {
                throw new ConfigException(what + " '" + spec + "': '" + port + "' is not a port number (0 to 65535)");
            }
            return n;
        }

        /** Whether {@code host} is a numeric literal that InetAddress parses without a lookup. */
        static boolean isLiteral(String host) {
            if (IPV4.matcher(host).matches()) {
                for (String octet : host.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return false;
                    }
                }
                return true;
            }
            if (host.indexOf(':') >= 0 && host.indexOf(':') != host.lastIndexOf(':') && IPV6.matcher(host).matches()) {
                try {
                    InetAddress.getByName(host); // a string with ':' is only ever parsed as IPv6
                    return true;
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return false;
        }
    }
}
