package io.junction.backend.transparent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.backend.transparent.internal.SourceSpec.Mode;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The parsing table of {@code source ADDR|*[:PORT] [usesrc client|clientip|ADDR[:PORT]]}. */
class SourceSpecTest {

    private static SourceSpec parse(String words) throws ConfigException {
        return SourceSpec.parse(new Fakes.LineWords(words));
    }

    private static String family(StandardProtocolFamily f) {
        return f == null ? "any" : f == StandardProtocolFamily.INET ? "v4" : "v6";
    }

    @ParameterizedTest(name = "source {0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // words after 'source'              | address         | family | port | mode     | usesrc address | usesrc port
        "*                                   | -               | any    | 0    | NONE     | -              | 0",
        "*:2000                              | -               | any    | 2000 | NONE     | -              | 0",
        ":2000                               | -               | any    | 2000 | NONE     | -              | 0",
        "0.0.0.0                             | -               | v4     | 0    | NONE     | -              | 0",
        "::                                  | -               | v6     | 0    | NONE     | -              | 0",
        "[::]:2000                           | -               | v6     | 2000 | NONE     | -              | 0",
        "ipv6@*                              | -               | v6     | 0    | NONE     | -              | 0",
        "ipv4@*:2000                         | -               | v4     | 2000 | NONE     | -              | 0",
        "192.0.2.1                           | 192.0.2.1       | v4     | 0    | NONE     | -              | 0",
        "192.0.2.1:2000                      | 192.0.2.1       | v4     | 2000 | NONE     | -              | 0",
        "ipv4@192.0.2.1                      | 192.0.2.1       | v4     | 0    | NONE     | -              | 0",
        "2001:db8::1                         | 2001:db8::1     | v6     | 0    | NONE     | -              | 0",
        "::1                                 | ::1             | v6     | 0    | NONE     | -              | 0",
        "[2001:db8::1]                       | 2001:db8::1     | v6     | 0    | NONE     | -              | 0",
        "[2001:db8::1]:3000                  | 2001:db8::1     | v6     | 3000 | NONE     | -              | 0",
        // As the core reads server addresses: the port after the last colon.
        "2001:db8::10:3000                   | 2001:db8::10    | v6     | 3000 | NONE     | -              | 0",
        // IPv4-mapped literals are IPv4 addresses (never a mapped address on the wire).
        "::ffff:192.0.2.1                    | 192.0.2.1       | v4     | 0    | NONE     | -              | 0",
        "* usesrc client                     | -               | any    | 0    | CLIENT   | -              | 0",
        "* usesrc clientip                   | -               | any    | 0    | CLIENTIP | -              | 0",
        "203.0.113.1 usesrc client           | 203.0.113.1     | v4     | 0    | CLIENT   | -              | 0",
        "0.0.0.0 usesrc clientip             | -               | v4     | 0    | CLIENTIP | -              | 0",
        "* usesrc 198.51.100.7               | -               | any    | 0    | ADDRESS  | 198.51.100.7   | 0",
        "* usesrc 198.51.100.7:4000          | -               | any    | 0    | ADDRESS  | 198.51.100.7   | 4000",
        "* usesrc [2001:db8::7]:4000         | -               | any    | 0    | ADDRESS  | 2001:db8::7    | 4000",
        "* usesrc 2001:db8::7                | -               | any    | 0    | ADDRESS  | 2001:db8::7    | 0",
    })
    void parses(String words, String address, String family, int port, Mode mode, String useAddress, int usePort)
            throws Exception {
        SourceSpec spec = parse(words);

        assertEquals(address == null ? null : InetAddress.getByName(address), spec.address(), "address");
        assertEquals(family, family(spec.family()), "family");
        assertEquals(port, spec.port(), "port");
        assertEquals(mode, spec.mode(), "mode");
        assertEquals(useAddress == null ? null : InetAddress.getByName(useAddress), spec.useAddress(), "usesrc address");
        assertEquals(usePort, spec.usePort(), "usesrc port");
        assertEquals("source " + words.trim(), spec.text());
    }

    @Test
    void consumesOnlyItsOwnWords() throws Exception {
        Fakes.LineWords words = new Fakes.LineWords("* usesrc client weight 0");

        SourceSpec spec = SourceSpec.parse(words);

        assertEquals(Mode.CLIENT, spec.mode());
        assertEquals("weight", words.peek(), "the next option's keyword is left for the core");
    }

    @Test
    void aPlainSourceLeavesTheNextKeyword() throws Exception {
        Fakes.LineWords words = new Fakes.LineWords("192.0.2.1 weight 0");

        assertEquals(Mode.NONE, SourceSpec.parse(words).mode());
        assertEquals("weight", words.peek());
    }

    @ParameterizedTest(name = "source {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''                               | an address",
        "* usesrc                         | what usesrc presents",
        "* usesrc hdr_ip(x-forwarded-for) | is not supported",
        "* usesrc *                       | needs a specific address",
        "* usesrc 0.0.0.0                 | needs a specific address",
        "* interface eth0                 | interface is not supported",
        "192.0.2.1:1000-2000              | port ranges are not supported",
        "app.example.com                  | is not a numeric IPv4 or IPv6 address",
        "300.1.1.1                        | is not a numeric IPv4 or IPv6 address",
        "192.0.2.1:70000                  | is not a port number",
        "ipv4@2001:db8::1                 | ipv4@ with an IPv6 address",
        "ipv6@192.0.2.1                   | ipv6@ with an IPv4 address",
        "unix@/run/x.sock                 | only the ipv4@ and ipv6@ prefixes",
        "[2001:db8::1                     | missing ']'",
        "* usesrc client:80               | is not a numeric",
    })
    void rejects(String words, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(words));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void wildcardHasNoAddress() throws Exception {
        assertNull(parse("*").address());
    }
}
