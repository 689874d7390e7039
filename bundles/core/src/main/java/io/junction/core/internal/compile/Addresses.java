package io.junction.core.internal.compile;

import io.junction.api.ConfigException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;

/**
 * Parses HAProxy address forms (configuration manual, section 11 "Address formats"):
 * {@code [ipv4@|ipv6@]ADDR:PORT}, an empty or {@code *} address for "any", IPv6 written bare
 * with the port after the last colon ({@code 2001:db8::10:3000}) or in brackets
 * ({@code [::1]:8443}), and host names resolved once, at config time.
 */
final class Addresses {

    private Addresses() {
    }

    /** A parsed address and the family its prefix forced, if any. */
    record Parsed(InetSocketAddress address, StandardProtocolFamily forcedFamily) {

        /** The socket family to use: the forced one, else the address's own. */
        StandardProtocolFamily family() {
            if (forcedFamily != null) {
                return forcedFamily;
            }
            return address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        }
    }

    /**
     * @param spec the address as written
     * @param portRequired whether a missing port is an error (bind) or means "the client's
     *        destination port" (server, returned as port 0)
     */
    static Parsed parse(String spec, boolean portRequired) throws ConfigException {
        StandardProtocolFamily forced = null;
        String s = spec;
        if (s.startsWith("ipv4@")) {
            forced = StandardProtocolFamily.INET;
            s = s.substring(5);
        } else if (s.startsWith("ipv6@")) {
            forced = StandardProtocolFamily.INET6;
            s = s.substring(5);
        } else if (s.contains("@")) {
            throw new ConfigException("address '" + spec + "': only the ipv4@ and ipv6@ prefixes are supported");
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new ConfigException("address '" + spec + "': missing ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                port = "";
            } else if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else {
                throw new ConfigException("address '" + spec + "': expected ':PORT' after ']'");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                host = s;
                port = "";
            } else {
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
            }
        }
        int portNumber = 0;
        if (port.isEmpty()) {
            if (portRequired) {
                throw new ConfigException("address '" + spec + "' needs a port, e.g. :8443 or 127.0.0.1:8443");
            }
        } else {
            if (port.contains("-")) {
                throw new ConfigException("address '" + spec + "': port ranges are not supported");
            }
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new ConfigException("address '" + spec + "': '" + port + "' is not a port number");
            }
            if (portNumber < (portRequired ? 1 : 0) || portNumber > 65535) {
                throw new ConfigException("address '" + spec + "': port " + portNumber + " out of range");
            }
        }
        InetAddress address;
        if (host.isEmpty() || host.equals("*")) {
            address = anyAddress(forced == null ? StandardProtocolFamily.INET : forced);
        } else if (host.equals("::") || host.equals(":::")) {
            address = anyAddress(StandardProtocolFamily.INET6);
        } else {
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new ConfigException("address '" + spec + "': cannot resolve '" + host + "'");
            }
        }
        if (forced == StandardProtocolFamily.INET && !(address instanceof Inet4Address)) {
            throw new ConfigException("address '" + spec + "': ipv4@ with an IPv6 address");
        }
        if (forced == StandardProtocolFamily.INET6 && address instanceof Inet4Address) {
            if (host.isEmpty() || host.equals("*")) {
                address = anyAddress(StandardProtocolFamily.INET6);
            } else {
                throw new ConfigException("address '" + spec + "': ipv6@ with an IPv4 address");
            }
        }
        return new Parsed(new InetSocketAddress(address, portNumber), forced);
    }

    private static InetAddress anyAddress(StandardProtocolFamily family) {
        try {
            return family == StandardProtocolFamily.INET6
                    ? InetAddress.getByAddress(new byte[16])
                    : InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
