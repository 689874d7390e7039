package io.junction.matcher.text.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.Matcher;
import io.junction.api.SampleType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Table-driven, in the style of Traefik's matcher_test.go: each row compiles one ACL and either
 * expects a build error (a fragment of its message) or feeds one sample and expects match or no
 * match.
 *
 * <p>Columns: sample type, method, {@code -i} or empty, patterns (space separated, empty for
 * none), sample, expectation. A sample written {@code [a,b]} is a list; {@code []} an empty list.
 * BINARY samples are fed as a ByteBuf whose readable bytes start at a non-zero reader index.
 */
class TextMatcherFactoryTest {

    static final ConfigContext CONTEXT = new ConfigContext() {
        @Override
        public String location() {
            return "test.cfg:7";
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

    static Matcher compile(SampleType type, String method, boolean icase, List<String> patterns)
            throws ConfigException {
        return new TextMatcherFactory().compile(method, type, patterns, icase, CONTEXT);
    }

    @ParameterizedTest(name = "[{index}] {0} -m {1} {2} {3} on ''{4}'' -> {5}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        // type  | method | flags | patterns                     | sample                      | expect
        // --- str: exact ---
        "STRING  | str    |       | app1.example.com             | app1.example.com            | match",
        "STRING  | str    | -i    | app1.example.com             | APP1.Example.COM            | match",
        "STRING  | str    | -i    | APP1.EXAMPLE.COM             | app1.example.com            | match",
        "STRING  | str    |       | app1.example.com             | APP1.Example.COM            | no match",
        "STRING  | str    |       | a b c                        | b                           | match",
        "STRING  | str    |       | abc                          | ab                          | no match",
        "STRING  | str    |       | abc                          | abcd                        | no match",
        "STRING  | str    |       | abc                          | ''                          | no match",
        "STRING  | str    | -i    | a b c d e f g h i j k        | K                           | match",
        "STRING  | str    | -i    | a b c d e f g h i j k        | l                           | no match",
        "STRING  | str    |       | a b c d e f g h i j K        | k                           | no match",
        "STRING  | str    | -i    | straße                       | STRAßE                      | match",
        "STRING  | str    | -i    | É                            | é                           | no match",
        "STRING  | str    |       |                              | x                           | error: -m str needs at least one pattern",
        // --- beg: prefix ---
        "STRING  | beg    |       | www.                         | www.example.com             | match",
        "STRING  | beg    | -i    | WWW.                         | www.example.com             | match",
        "STRING  | beg    |       | WWW.                         | www.example.com             | no match",
        "STRING  | beg    |       | example                      | www.example.com             | no match",
        "STRING  | beg    |       | longer-than-the-sample       | short                       | no match",
        "STRING  | beg    |       | x www                        | www.example.com             | match",
        "STRING  | beg    |       |                              | x                           | error: -m beg needs at least one pattern",
        // --- end: suffix ---
        "STRING  | end    |       | .com                         | www.example.com             | match",
        "STRING  | end    | -i    | .COM                         | www.example.CoM             | match",
        "STRING  | end    |       | .org                         | www.example.com             | no match",
        "STRING  | end    |       | www.example.com.au           | example.com                 | no match",
        // --- sub: substring ---
        "STRING  | sub    |       | ample                        | www.example.com             | match",
        "STRING  | sub    | -i    | AMPLE                        | www.EXAMPLE.com             | match",
        "STRING  | sub    |       | xyz abc                      | zzabczz                     | match",
        "STRING  | sub    |       | xyz                          | zzabczz                     | no match",
        "STRING  | sub    |       | zzabczz!                     | zzabczz                     | no match",
        // --- dom: whole words delimited by / ? . : (the source article's hdr_dom(host) -i) ---
        "STRING  | dom    | -i    | app1.example.com             | app1.example.com            | match",
        "STRING  | dom    | -i    | app1.example.com             | APP1.Example.COM:80         | match",
        "STRING  | dom    | -i    | app1.example.com             | www.app1.example.com        | match",
        "STRING  | dom    | -i    | app1.example.com             | xapp1.example.com           | no match",
        "STRING  | dom    | -i    | app1.example.com             | app1.example.community      | no match",
        "STRING  | dom    |       | app1.example.com             | APP1.Example.COM            | no match",
        "STRING  | dom    |       | example.com                  | example.com?x=1             | match",
        "STRING  | dom    |       | example.com                  | example.com/path            | match",
        "STRING  | dom    |       | example.com                  | example-com                 | no match",
        "STRING  | dom    |       | .example.com.                | www.example.com             | match",
        "STRING  | dom    |       | xample.com                   | example.com                 | no match",
        "STRING  | dom    |       | ex example                   | www.example.com             | match",
        // HAProxy manual 7.1.3 example: http://www1.dc-eu.example.com:80/blah
        "STRING  | dom    |       | http                         | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | www1                         | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | .www1                        | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | dc-eu                        | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | com                          | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | 80                           | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | dc-eu.example                | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | blah                         | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | :www1:                       | http://www1.dc-eu.example.com:80/blah | match",
        // The manual lists dc-eu.example:80 as a match, but it is not in the string and HAProxy's
        // match_word() does not match it: we follow the code.
        "STRING  | dom    |       | dc-eu.example:80             | http://www1.dc-eu.example.com:80/blah | no match",
        "STRING  | dom    |       | dc-eu.example.com:80         | http://www1.dc-eu.example.com:80/blah | match",
        "STRING  | dom    |       | eu                           | http://www1.dc-eu.example.com:80/blah | no match",
        "STRING  | dom    |       | dc                           | http://www1.dc-eu.example.com:80/blah | no match",
        "STRING  | dom    |       | ...                          | example.com                 | error: pattern '...' has no word",
        "STRING  | dom    |       |                              | example.com                 | error: -m dom needs at least one pattern",
        // --- dir: whole words delimited by / (HAProxy manual 7.1.3 example) ---
        "STRING  | dir    |       | /images                      | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | /images/png                  | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | images/png                   | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | /png/logo                    | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | logo/32x32.png               | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | 32x32.png                    | /images/png/logo/32x32.png  | match",
        // The manual says png does not match; HAProxy's match_word() does match it: we follow the code.
        "STRING  | dir    |       | png                          | /images/png/logo/32x32.png  | match",
        "STRING  | dir    |       | 32x32.png                    | /logo/32x32.png?size=2      | match",
        "STRING  | dir    |       | logo.32x32                   | /logo.32x32.png             | no match",
        "STRING  | dir    |       | 32x32                        | /images/png/logo/32x32.png  | no match",
        "STRING  | dir    |       | mages                        | /images/png/logo/32x32.png  | no match",
        // --- reg: java.util.regex, unanchored find ---
        "STRING  | reg    |       | ^www\\.                      | www.example.com             | match",
        "STRING  | reg    |       | ^www\\.                      | WWW.example.com             | no match",
        "STRING  | reg    | -i    | ^www\\.                      | WWW.example.com             | match",
        "STRING  | reg    |       | example                      | www.example.com             | match",
        "STRING  | reg    |       | ^example                     | www.example.com             | no match",
        "STRING  | reg    |       | ^a$ ^b$                      | b                           | match",
        "STRING  | reg    |       | a(                           | x                           | error: bad regular expression 'a('",
        "STRING  | reg    |       | ok [z-a]                     | x                           | error: bad regular expression '[z-a]'",
        "STRING  | reg    |       |                              | x                           | error: -m reg needs at least one pattern",
        // --- len: integer patterns on the length ---
        "STRING  | len    |       | 5                            | hello                       | match",
        "STRING  | len    |       | 3 4                          | hello                       | no match",
        "STRING  | len    |       | 3 5                          | hello                       | match",
        "STRING  | len    |       | 1:10                         | hello                       | match",
        "STRING  | len    |       | 6:                           | hello                       | no match",
        "STRING  | len    |       | :5                           | hello                       | match",
        "STRING  | len    |       | ge 6                         | hello                       | no match",
        "STRING  | len    |       | gt 4                         | hello                       | match",
        "STRING  | len    |       | lt 6                         | hello                       | match",
        "STRING  | len    |       | le 4                         | hello                       | no match",
        "STRING  | len    |       | eq 5                         | hello                       | match",
        "STRING  | len    |       | 0                            | ''                          | match",
        "STRING  | len    |       | five                         | hello                       | error: 'five' is not an integer",
        "STRING  | len    |       | ge                           | hello                       | error: operator 'ge' is not followed by a value",
        "STRING  | len    |       | ge 1:3                       | hello                       | error: cannot apply to the range",
        "STRING  | len    |       | 9:3                          | hello                       | error: '9:3' is not a valid range",
        // --- found: any present sample, no patterns ---
        "STRING  | found  |       |                              | anything                    | match",
        "STRING  | found  |       |                              | ''                          | match",
        "STRING  | found  |       | x                            | anything                    | error: -m found takes no patterns",
        "INTEGER | found  |       |                              | 42                          | match",
        "ADDRESS | found  |       |                              | 127.0.0.1                   | match",
        "BOOLEAN | found  |       |                              | false                       | match",
        "STRING  | found  |       |                              | []                          | no match",
        // --- text methods on non-text sample types: config errors that name the right method ---
        "INTEGER | str    |       | 443                          | 443                         | error: -m str matches text, but this fetch yields integer samples: use -m int",
        "ADDRESS | dom    |       | example.com                  | 127.0.0.1                   | error: IP address samples: use -m ip",
        "BOOLEAN | beg    |       | t                            | true                        | error: boolean samples: use -m bool",
        "INTEGER | len    |       | 3                            | 443                         | error: integer samples",
        "STRING  | int    |       | 1                            | 1                           | error: -m int: not a text match method",
        // --- list samples (multi-valued fetches such as ALPN): any element ---
        "STRING  | str    |       | h2                           | [http/1.1,h2]               | match",
        "STRING  | str    |       | h3                           | [http/1.1,h2]               | no match",
        "STRING  | beg    | -i    | HTTP/                        | [h2,http/1.1]               | match",
        "STRING  | len    |       | 2                            | [http/1.1,h2]               | match",
        "STRING  | str    |       | h2                           | []                          | no match",
        // --- binary samples: byte per char, indexes untouched ---
        "BINARY  | sub    |       | GET                          | xxGET /                     | match",
        "BINARY  | beg    |       | GET                          | GET / HTTP/1.1              | match",
        "BINARY  | str    | -i    | ssh-2.0-openssh              | SSH-2.0-OpenSSH             | match",
        "BINARY  | end    |       | 1.1                          | GET / HTTP/1.1              | match",
        "BINARY  | reg    | -i    | ^get /                       | GET / HTTP/1.1              | match",
        "BINARY  | reg    |       | ^post                        | GET / HTTP/1.1              | no match",
        "BINARY  | dom    | -i    | app1.example.com             | www.APP1.example.com:443    | match",
        "BINARY  | len    |       | 5                            | hello                       | match",
        "BINARY  | str    |       | hello                        | hellO                       | no match",
        "BINARY  | found  |       |                              | x                           | match",
    })
    void table(SampleType type, String method, String flags, String patterns, String sample, String expect)
            throws Exception {
        // An empty unquoted column arrives as null: no flags, no patterns.
        List<String> pats = patterns == null ? List.of() : Arrays.asList(patterns.split(" "));
        boolean icase = "-i".equals(flags);
        if (expect.startsWith("error: ")) {
            ConfigException e = assertThrows(ConfigException.class, () -> compile(type, method, icase, pats));
            assertTrue(e.getMessage().contains(expect.substring("error: ".length())),
                    "message was: " + e.getMessage());
            return;
        }
        Matcher m = compile(type, method, icase, pats);
        boolean expected;
        if (expect.equals("match")) {
            expected = true;
        } else if (expect.equals("no match")) {
            expected = false;
        } else {
            throw new IllegalArgumentException("bad expectation " + expect);
        }
        List<ByteBuf> buffers = new ArrayList<>();
        try {
            Object s = sample(type, sample, buffers);
            assertEquals(expected, m.matches(s));
            // Matching twice gives the same answer: per-thread reused state is reset.
            assertEquals(expected, m.matches(s));
            for (ByteBuf b : buffers) {
                assertEquals(3, b.readerIndex(), "the matcher must not move the reader index");
                assertEquals(1, b.refCnt(), "the matcher must not release or retain the sample");
            }
        } finally {
            buffers.forEach(ByteBuf::release);
        }
    }

    private static Object sample(SampleType type, String text, List<ByteBuf> buffers) throws Exception {
        if (text.startsWith("[") && text.endsWith("]")) {
            String inner = text.substring(1, text.length() - 1);
            List<Object> list = new ArrayList<>();
            if (!inner.isEmpty()) {
                for (String e : inner.split(",")) {
                    list.add(sample(type, e, buffers));
                }
            }
            return list;
        }
        switch (type) {
            case INTEGER:
                return Long.valueOf(text);
            case BOOLEAN:
                return Boolean.valueOf(text);
            case ADDRESS:
                return InetAddress.getByName(text);
            case BINARY:
                // Three bytes of junk before the reader index: the matcher must read from it.
                ByteBuf b = Unpooled.buffer().writeBytes("XYZ".getBytes(StandardCharsets.ISO_8859_1))
                        .writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
                b.readerIndex(3);
                buffers.add(b);
                return b;
            default:
                // A StringBuilder, not a String: samples are CharSequences, any kind.
                return new StringBuilder(text);
        }
    }

    @org.junit.jupiter.api.Test
    void otherSampleObjectsNeverMatchAndNeverThrow() throws ConfigException {
        Matcher m = compile(SampleType.STRING, "sub", false, List.of("1"));
        assertFalse(m.matches(Long.valueOf(1)));
        assertFalse(m.matches(List.of(Long.valueOf(1))));
    }
}
