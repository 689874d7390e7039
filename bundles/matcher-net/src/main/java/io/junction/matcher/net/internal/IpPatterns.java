package io.junction.matcher.net.internal;

import io.junction.api.ConfigException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Parses {@code ip} match patterns (HAProxy configuration manual 7.1.6 "Matching IPv4 and IPv6
 * addresses") into an {@link AddressSet}. Config time only; allocates freely.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>{@code a.b.c.d}, {@code a.b.c.d/len} (0..32), {@code a.b.c.d/m.m.m.m} (a contiguous
 *       dotted netmask);</li>
 *   <li>an IPv6 address in any RFC 4291 section 2.2 text form, alone or with {@code /len}
 *       (0..128; "only bit counts are accepted for IPv6 netmasks", as HAProxy says);</li>
 *   <li>an IPv4-mapped IPv6 address or network, {@code ::ffff:a.b.c.d[/len]} with len 96..128,
 *       which is the IPv4 network {@code a.b.c.d/(len-96)}.</li>
 * </ul>
 * Host bits beyond the mask are ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), as HAProxy
 * does.
 *
 * <p>Deliberately stricter than HAProxy, so that IPv4 and IPv6 are never confused and nothing is
 * ever resolved:
 * <ul>
 *   <li>Host names are errors. HAProxy resolves IPv4 host names once at startup; a routing rule
 *       that silently depends on DNS at config time is a trap, and Junction never resolves names
 *       in ACL patterns.</li>
 *   <li>An IPv4 pattern matches IPv4 clients only and an IPv6 pattern IPv6 clients only. HAProxy
 *       also matches an IPv4 client against IPv6 patterns by converting it to {@code ::ffff:a.b.c.d}
 *       (so its {@code ::/0} matches IPv4 clients) and IPv6 clients of the forms
 *       {@code ::ffff:a.b.c.d}, {@code ::a.b.c.d} and {@code 2002:a.b.c.d::} against IPv4
 *       patterns. Junction reports an IPv4 client on a dual-stack socket as IPv4 in the first
 *       place, so the mapped form never reaches a matcher; {@code 0.0.0.0/0} means "every IPv4
 *       client" and {@code ::/0} "every IPv6 client".</li>
 *   <li>Leading zeros in IPv4 octets ({@code 010.0.0.1}) are errors: inet_aton reads them as
 *       octal, other tools as decimal.</li>
 *   <li>Zone indexes ({@code fe80::1%eth0}) and brackets are errors: a pattern names networks,
 *       not interfaces.</li>
 * </ul>
 */
final class IpPatterns {

    private IpPatterns() {
    }

    /**
     * Config time: compiles every pattern into one set.
     *
     * @throws ConfigException naming the first pattern that is not an address or network
     */
    static AddressSet compile(List<String> patterns) throws ConfigException {
        AddressSet.Builder builder = new AddressSet.Builder();
        for (String p : patterns) {
            add(builder, p);
        }
        return builder.build();
    }

    /** Config time: adds one pattern to {@code builder}. */
    static void add(AddressSet.Builder builder, String pattern) throws ConfigException {
        if (pattern == null || pattern.isEmpty()) {
            throw new ConfigException("empty ip pattern");
        }
        int slash = pattern.indexOf('/');
        String address = slash < 0 ? pattern : pattern.substring(0, slash);
        String mask = slash < 0 ? null : pattern.substring(slash + 1);
        if (address.indexOf(':') >= 0) {
            addV6(builder, pattern, address, mask);
        } else {
            int v4 = parseV4(address, pattern);
            int length = mask == null ? 32 : v4MaskLength(mask, pattern);
            builder.addV4(v4, length);
        }
    }

    private static void addV6(AddressSet.Builder builder, String pattern, String address, String mask)
            throws ConfigException {
        if (address.isEmpty() || address.charAt(0) == '.') {
            throw notAnAddress(pattern);
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                if (c == '%') {
                    throw new ConfigException("ip pattern '" + pattern + "': zone indexes (%...) are not allowed in patterns");
                }
                if (c == '[' || c == ']') {
                    throw new ConfigException("ip pattern '" + pattern + "': write IPv6 patterns without brackets");
                }
                throw notAnAddress(pattern);
            }
        }
        InetAddress parsed;
        try {
            // Only hex digits, ':' and '.', with a ':' and not starting with '.': the JDK parses this
            // as an IPv6 literal and never queries DNS (it throws "invalid IPv6 address" instead).
            parsed = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw notAnAddress(pattern);
        }
        int length = mask == null ? 128 : prefixLength(mask, 128, pattern);
        if (parsed instanceof Inet4Address v4) {
            // The JDK turns ::ffff:a.b.c.d into an Inet4Address: an IPv4-mapped pattern is the IPv4
            // pattern a.b.c.d with the mask taken from the low 32 bits.
            if (length < 96) {
                throw new ConfigException("ip pattern '" + pattern + "': an IPv4-mapped network needs a prefix of at "
                        + "least /96 (it stands for the IPv4 network " + v4.getHostAddress() + "/" + Math.max(0, length - 96)
                        + "); write the IPv4 form instead");
            }
            builder.addV4(SampleAddresses.v4(v4), length - 96);
            return;
        }
        if (!(parsed instanceof Inet6Address v6)) {
            throw notAnAddress(pattern);
        }
        byte[] b = v6.getAddress();
        builder.addV6(SampleAddresses.bytesToLong(b, 0), SampleAddresses.bytesToLong(b, 8), length);
    }

    /** Strict dotted quad: four decimal octets 0..255, no leading zeros, nothing else. */
    static int parseV4(String s, String pattern) throws ConfigException {
        int value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 4) {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0) {
                throw notAnAddress(pattern);
            }
            if (digits > 3 || octet > 255) {
                throw new ConfigException("ip pattern '" + pattern + "': '" + s.substring(start, Math.min(n, start + digits))
                        + "' is not an IPv4 octet (0 to 255)");
            }
            if (digits > 1 && s.charAt(start) == '0') {
                throw new ConfigException("ip pattern '" + pattern + "': leading zeros in an IPv4 octet are ambiguous "
                        + "(octal or decimal); write " + octet);
            }
            value = (value << 8) | octet;
            octets++;
            if (octets == 4) {
                if (i != n) {
                    throw notAnAddress(pattern);
                }
                return value;
            }
            if (i >= n || s.charAt(i) != '.') {
                throw notAnAddress(pattern);
            }
            i++;
        }
    }

    /** {@code len} (0..32) or a contiguous dotted netmask such as {@code 255.255.240.0}. */
    private static int v4MaskLength(String mask, String pattern) throws ConfigException {
        if (mask.indexOf('.') < 0) {
            return prefixLength(mask, 32, pattern);
        }
        int m = parseV4(mask, pattern);
        int length = Integer.bitCount(m);
        if (length != Integer.numberOfLeadingZeros(~m) || (length < 32 && (m << length) != 0)) {
            throw new ConfigException("ip pattern '" + pattern + "': netmask " + mask
                    + " is not contiguous (its one bits must all come first)");
        }
        return length;
    }

    private static int prefixLength(String s, int max, String pattern) throws ConfigException {
        if (s.isEmpty() || s.length() > 3) {
            throw badPrefix(pattern, max);
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw badPrefix(pattern, max);
            }
            v = v * 10 + (c - '0');
        }
        if (v > max) {
            throw badPrefix(pattern, max);
        }
        return v;
    }

    private static ConfigException badPrefix(String pattern, int max) {
        return new ConfigException("ip pattern '" + pattern + "': the prefix length must be a number from 0 to " + max);
    }

    private static ConfigException notAnAddress(String pattern) {
        return new ConfigException("ip pattern '" + pattern + "' is not an IPv4 or IPv6 address or network "
                + "(a.b.c.d, a.b.c.d/len, a.b.c.d/m.m.m.m, x:x::x, x:x::x/len; host names are not allowed)");
    }
}
