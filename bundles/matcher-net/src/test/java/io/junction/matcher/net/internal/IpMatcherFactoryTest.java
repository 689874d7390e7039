package io.junction.matcher.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.Matcher;
import io.junction.api.SampleType;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Table-driven, in the style of Traefik's matcher_test.go: each row compiles one {@code -m ip}
 * ACL from its patterns and either expects a build error (a fragment of the message, which must
 * also name the offending pattern) or feeds one address sample and expects match or no match.
 *
 * <p>Columns: patterns (space separated, as on an acl line or the lines of a -f file), sample
 * (an address literal, turned into an InetAddress without any lookup), expectation.
 */
class IpMatcherFactoryTest {

    static final ConfigContext CONTEXT = new ConfigContext() {
        @Override
        public String location() {
            return "test.cfg:3";
        }

        @Override
        public Path resolve(String path) {
            return Path.of(path);
        }

        @Override
        public Fetch fetch(String expression) throws ConfigException {
            throw new ConfigException("no fetches here");
        }
    };

    static Matcher compile(List<String> patterns) throws ConfigException {
        return new IpMatcherFactory().compile("ip", SampleType.ADDRESS, patterns, false, CONTEXT);
    }

    /** An InetAddress from a literal; the JDK does not resolve literals. */
    static InetAddress address(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest(name = "[{index}] {0} on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        // patterns                                | sample                    | expect
        // --- IPv4 single addresses and networks ---
        "127.0.0.1                                 | 127.0.0.1                 | match",
        "127.0.0.1                                 | 127.0.0.2                 | no match",
        "127.0.0.0/8                               | 127.255.255.254           | match",
        "127.0.0.0/8                               | 128.0.0.1                 | no match",
        "127.0.0.0/8                               | 126.255.255.255           | no match",
        "10.1.2.3/8                                | 10.200.0.1                | match",
        "192.168.0.0/255.255.0.0                   | 192.168.77.1              | match",
        "192.168.0.0/255.255.0.0                   | 192.169.0.1               | no match",
        "192.168.1.0/255.255.255.128               | 192.168.1.127             | match",
        "192.168.1.0/255.255.255.128               | 192.168.1.128             | no match",
        "10.0.0.0/8 192.168.0.0/16 172.16.0.0/12   | 172.31.255.255            | match",
        "10.0.0.0/8 192.168.0.0/16 172.16.0.0/12   | 172.32.0.0                | no match",
        // --- IPv4 edge prefixes ---
        "0.0.0.0/0                                 | 0.0.0.0                   | match",
        "0.0.0.0/0                                 | 255.255.255.255           | match",
        "0.0.0.0/0                                 | 203.0.113.9               | match",
        "0.0.0.0/0                                 | ::1                       | no match",
        "0.0.0.0/0                                 | 2001:db8::1               | no match",
        "0.0.0.0/8                                 | 0.1.2.3                   | match",
        "0.0.0.0/8                                 | 1.0.0.0                   | no match",
        "0.0.0.0/1                                 | 127.255.255.255           | match",
        "0.0.0.0/1                                 | 128.0.0.0                 | no match",
        "128.0.0.0/1                               | 255.255.255.255           | match",
        "128.0.0.0/1                               | 127.0.0.1                 | no match",
        "203.0.113.7/32                            | 203.0.113.7               | match",
        "203.0.113.7/32                            | 203.0.113.6               | no match",
        "203.0.113.7/32                            | 203.0.113.8               | no match",
        "255.255.255.255                           | 255.255.255.255           | match",
        "0.0.0.0/0.0.0.0                           | 8.8.8.8                   | match",
        "1.2.3.4/255.255.255.255                   | 1.2.3.4                   | match",
        // --- overlapping and nested networks (merged at compile time) ---
        "10.0.0.0/8 10.1.0.0/16 10.1.1.0/24        | 10.2.0.1                  | match",
        "10.1.1.0/24 10.0.0.0/8                    | 10.255.0.1                | match",
        "10.0.0.0/9 10.128.0.0/9                   | 10.127.255.255            | match",
        "10.0.0.0/9 10.128.0.0/9                   | 10.128.0.0                | match",
        "10.0.0.0/9 10.128.0.0/9                   | 11.0.0.0                  | no match",
        // --- IPv6 ---
        "::1                                       | ::1                       | match",
        "::1                                       | ::2                       | no match",
        "::1                                       | 127.0.0.1                 | no match",
        "::1/128                                   | ::1                       | match",
        "2001:db8::/32                             | 2001:db8:ffff::1          | match",
        "2001:db8::/32                             | 2001:db9::1               | no match",
        "2001:DB8::/32                             | 2001:db8::10              | match",
        "2001:db8::10/64                           | 2001:db8::ffff:ffff:ffff:ffff | match",
        "2001:db8::10/64                           | 2001:db8:0:1::             | no match",
        "2001:0db8:0000:0000:0000:0000:0000:0001   | 2001:db8::1               | match",
        "fe80::/10                                 | fe80::1                   | match",
        "fe80::/10                                 | febf:ffff::1              | match",
        "fe80::/10                                 | fec0::1                   | no match",
        "2001:db8::/33 2001:db8:8000::/33          | 2001:db8:ffff::1          | match",
        // --- IPv6 edge prefixes ---
        "::/0                                      | ::                        | match",
        "::/0                                      | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | match",
        "::/0                                      | 2001:db8::1               | match",
        "::/0                                      | 127.0.0.1                 | no match",
        "::/0                                      | 0.0.0.0                   | no match",
        "::/1                                      | 7fff::1                   | match",
        "::/1                                      | 8000::                    | no match",
        "8000::/1                                  | ffff::1                   | match",
        "2001:db8::1/128                           | 2001:db8::1               | match",
        "2001:db8::1/128                           | 2001:db8::2               | no match",
        "2001:db8::/64                             | 2001:db8::ffff:ffff:ffff:ffff | match",
        "2001:db8::/65                             | 2001:db8::8000:0:0:0      | no match",
        "2001:db8::/65                             | 2001:db8::7fff:ffff:ffff:ffff | match",
        "2001:db8::/127                            | 2001:db8::1               | match",
        "2001:db8::/127                            | 2001:db8::2               | no match",
        // --- IPv4-mapped patterns are the IPv4 patterns they carry ---
        "::ffff:192.0.2.1                          | 192.0.2.1                 | match",
        "::ffff:192.0.2.1                          | 192.0.2.2                 | no match",
        "::ffff:192.0.2.0/120                      | 192.0.2.200               | match",
        "::ffff:192.0.2.0/120                      | 192.0.3.1                 | no match",
        "::ffff:0.0.0.0/96                         | 8.8.8.8                   | match",
        "::ffff:0.0.0.0/96                         | ::1                       | no match",
        "::ffff:c000:0201                          | 192.0.2.1                 | match",
        // IPv4-compatible (deprecated, RFC 4291 2.5.5.1) is an ordinary IPv6 address, not IPv4
        "::192.0.2.1                               | 192.0.2.1                 | no match",
        "::192.0.2.1                               | ::c000:201                | match",
        // --- mixed families on one line: each sample meets its own family only ---
        "0.0.0.0/0 ::1                             | ::1                       | match",
        "0.0.0.0/0 ::1                             | ::2                       | no match",
        "0.0.0.0/0 ::1                             | 10.0.0.1                  | match",
        "127.0.0.1 ::/0                            | 127.0.0.2                 | no match",
        // --- bad patterns: build errors naming the pattern ---
        "300.1.1.1                                 | 1.1.1.1                   | error: '300.1.1.1'",
        "1.2.3.4/33                                | 1.2.3.4                   | error: '1.2.3.4/33'",
        "1.2.3.4/-1                                | 1.2.3.4                   | error: '1.2.3.4/-1'",
        "1.2.3.4/                                  | 1.2.3.4                   | error: '1.2.3.4/'",
        "1.2.3.4/abc                               | 1.2.3.4                   | error: '1.2.3.4/abc'",
        "1.2.3.4/255.0.255.0                       | 1.2.3.4                   | error: not contiguous",
        "1.2.3                                     | 1.2.3.0                   | error: '1.2.3'",
        "1.2.3.4.5                                 | 1.2.3.4                   | error: '1.2.3.4.5'",
        "1.2.3.4x                                  | 1.2.3.4                   | error: '1.2.3.4x'",
        "010.0.0.1                                 | 10.0.0.1                  | error: leading zeros",
        "::1/129                                   | ::1                       | error: '::1/129'",
        "2001:db8::/-5                             | ::1                       | error: '2001:db8::/-5'",
        "2001:db8:::1                              | ::1                       | error: '2001:db8:::1'",
        "1:2:3:4:5:6:7:8:9                         | ::1                       | error: '1:2:3:4:5:6:7:8:9'",
        "fe80::1%eth0                              | ::1                       | error: zone",
        "[::1]                                     | ::1                       | error: brackets",
        "[::1]/128                                 | ::1                       | error: brackets",
        "2001:db8::g                               | ::1                       | error: '2001:db8::g'",
        "::ffff:192.0.2.0/80                       | 192.0.2.1                 | error: at least /96",
        "localhost                                 | 127.0.0.1                 | error: host names are not allowed",
        "example.com                               | 127.0.0.1                 | error: 'example.com'",
        "10.0.0.0/8 bogus                          | 10.0.0.1                  | error: 'bogus'",
        "*                                         | 10.0.0.1                  | error: '*'",
        ".1:2                                      | ::1                       | error: '.1:2'",
    })
    void table(String patterns, String sample, String expect) throws Exception {
        List<String> list = Arrays.asList(patterns.trim().split("\\s+"));
        if (expect.startsWith("error: ")) {
            ConfigException e = assertThrows(ConfigException.class, () -> compile(list));
            assertTrue(e.getMessage().contains(expect.substring("error: ".length())),
                    "message '" + e.getMessage() + "' should contain '" + expect.substring(7) + "'");
            return;
        }
        Matcher m = compile(list);
        InetAddress a = address(sample);
        assertEquals(expect.equals("match"), m.matches(a), patterns + " on " + a);
        // A multi-valued sample matches when one element does (the first one here never matches).
        assertEquals(expect.equals("match"), m.matches(List.of("not an address", a)),
                "as the second element of a list");
    }

    @Test
    void everyBadPatternErrorNamesThePattern() {
        for (String bad : List.of("300.1.1.1", "1.2.3.4/33", "::1/129", "not-an-ip", "host.example", "1.2.3.4/255.255.0.255")) {
            ConfigException e = assertThrows(ConfigException.class, () -> compile(List.of("10.0.0.0/8", bad)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SampleType.class, names = "ADDRESS", mode = EnumSource.Mode.EXCLUDE)
    void onlyAddressSamplesCanBeMatched(SampleType type) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new IpMatcherFactory().compile("ip", type, List.of("10.0.0.0/8"), false, CONTEXT));
        assertTrue(e.getMessage().contains("-m " + type.defaultMethod()), e.getMessage());
    }

    @Test
    void ignoreCaseIsAcceptedAndChangesNothing() throws Exception {
        Matcher m = new IpMatcherFactory().compile("ip", SampleType.ADDRESS, List.of("2001:DB8::/32"), true, CONTEXT);
        assertTrue(m.matches(address("2001:db8::5")));
        assertFalse(m.matches(address("2001:db9::5")));
    }

    @Test
    void noPatternAndOtherMethodsAreErrors() {
        assertThrows(ConfigException.class,
                () -> new IpMatcherFactory().compile("ip", SampleType.ADDRESS, List.of(), false, CONTEXT));
        assertThrows(ConfigException.class,
                () -> new IpMatcherFactory().compile("str", SampleType.ADDRESS, List.of("10.0.0.1"), false, CONTEXT));
    }

    @Test
    void samplesOfOtherJavaTypesDoNotMatch() throws Exception {
        Matcher m = compile(List.of("0.0.0.0/0", "::/0"));
        assertFalse(m.matches("10.0.0.1"));
        assertFalse(m.matches(10L));
        assertFalse(m.matches(List.of()));
        assertFalse(m.matches(List.of("10.0.0.1")));
    }

    @Test
    void mappedIpv6SampleIsTreatedAsIpv4() throws Exception {
        // The JDK turns ::ffff:a.b.c.d into an Inet4Address; build a real mapped Inet6Address.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 1;
        InetAddress sample = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertTrue(sample instanceof java.net.Inet6Address);
        assertTrue(compile(List.of("192.0.2.0/24")).matches(sample));
        assertFalse(compile(List.of("::/0")).matches(sample), "an IPv4 client is not matched by ::/0");
    }
}
