package io.junction.sniffer.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.Matcher;
import io.junction.api.SampleType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven, as Traefik's matcher tests: a "build error" column and a "match" column. */
class BinMatcherTest {

    private final BinMatcherFactory factory = new BinMatcherFactory();

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * patterns (space separated), sample type, build error (message fragment) or null, sample
     * bytes, expected match.
     */
    static Stream<Arguments> table() {
        return Stream.of(
                // matches
                Arguments.of("5353482d", SampleType.BINARY, null, latin1("SSH-"), true),
                Arguments.of("5353482D", SampleType.BINARY, null, latin1("SSH-"), true),
                Arguments.of("5353482d322e30", SampleType.BINARY, null, latin1("SSH-2.0"), true),
                Arguments.of("48656c6c6f0a", SampleType.BINARY, null, latin1("Hello\n"), true),
                Arguments.of("160301 5353482d", SampleType.BINARY, null, latin1("SSH-"), true),
                Arguments.of("00ff80", SampleType.BINARY, null, new byte[] {0, (byte) 0xff, (byte) 0x80}, true),
                // exact, not prefix, not suffix
                Arguments.of("5353482d", SampleType.BINARY, null, latin1("SSH-2.0"), false),
                Arguments.of("5353482d322e30", SampleType.BINARY, null, latin1("SSH-"), false),
                Arguments.of("5353482d", SampleType.BINARY, null, latin1("ssh-"), false),
                Arguments.of("5353482d", SampleType.BINARY, null, new byte[0], false),
                Arguments.of("00", SampleType.BINARY, null, new byte[] {1}, false),
                // build errors
                Arguments.of("535", SampleType.BINARY, "odd number of hex digits", null, false),
                Arguments.of("53zz", SampleType.BINARY, "'z' at position 3, not a hex digit", null, false),
                Arguments.of("SSH-", SampleType.BINARY, "'S' at position 1", null, false),
                Arguments.of("0x53", SampleType.BINARY, "'x' at position 2", null, false),
                Arguments.of("\uff10\uff11", SampleType.BINARY, "not a hex digit", null, false),
                Arguments.of("5353482d", SampleType.INTEGER, "use -m int", null, false),
                Arguments.of("01", SampleType.BOOLEAN, "use -m bool", null, false),
                Arguments.of("7f000001", SampleType.ADDRESS, "use -m ip", null, false));
    }

    /** Matches {@code bytes} wrapped in a heap buffer, released afterwards. */
    private static boolean matches(Matcher m, byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        try {
            return m.matches(b);
        } finally {
            b.release();
        }
    }

    private static List<String> patterns(String spaced) {
        return List.of(spaced.split(" "));
    }

    @ParameterizedTest(name = "{0} on {1}: error={2} match={4}")
    @MethodSource("table")
    void compilesAndMatches(String patterns, SampleType type, String error, byte[] sample, boolean match)
            throws ConfigException {
        if (error != null) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> factory.compile("bin", type, patterns(patterns), false, null));
            assertTrue(e.getMessage().contains(error), e.getMessage());
            return;
        }
        Matcher m = factory.compile("bin", type, patterns(patterns), false, null);
        // Heap and pooled direct, with bytes before the reader index that must not count.
        ByteBuf heap = Unpooled.wrappedBuffer(sample);
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(sample.length + 2);
        try {
            direct.writeBytes(new byte[] {0x53, 0x53});
            direct.readerIndex(2);
            direct.writeBytes(sample);
            for (ByteBuf b : List.of(heap, direct)) {
                int reader = b.readerIndex();
                assertEquals(match, m.matches(b));
                assertEquals(match, m.matches(b.asReadOnly()));
                assertEquals(reader, b.readerIndex(), "the matcher moved the sample's reader index");
                assertEquals(1, b.refCnt(), "the matcher released or retained the sample");
            }
            // The same bytes as a STRING sample (one char per byte).
            assertEquals(match, m.matches(new String(sample, StandardCharsets.ISO_8859_1)));
        } finally {
            heap.release();
            direct.release();
        }
    }

    @Test
    void stringSamplesCompareOneCharPerByte() throws ConfigException {
        Matcher m = factory.compile("bin", SampleType.STRING, List.of("e9"), false, null);
        assertTrue(m.matches("\u00e9"));
        assertFalse(m.matches("\u0100"), "no byte equals a char above U+00FF");
        assertFalse(m.matches(new StringBuilder("x")));
    }

    @Test
    void listSamplesMatchWhenAnyElementDoes() throws ConfigException {
        Matcher m = factory.compile("bin", SampleType.STRING, List.of("6832"), false, null);
        assertTrue(m.matches(List.of("http/1.1", "h2")));
        assertTrue(m.matches(new LinkedList<>(List.of("http/1.1", "h2"))));
        assertFalse(m.matches(List.of("http/1.1")));
        assertFalse(m.matches(List.of()));
    }

    @Test
    void otherSampleTypesNeverMatch() throws ConfigException {
        Matcher m = factory.compile("bin", SampleType.BINARY, List.of("01"), false, null);
        assertFalse(m.matches(1L));
        assertFalse(m.matches(Boolean.TRUE));
    }

    /** More patterns than the linear scan takes: the hash table finds each and nothing else. */
    @Test
    void manyPatternsGoThroughTheHashTable() throws ConfigException {
        // Bytes 0x70-0x97: on both sides of 0x80, where a signed byte would hash differently.
        List<String> hex = new ArrayList<>();
        for (int i = 0x70; i < 0x98; i++) {
            hex.add(String.format("5353482d%02x", i));
        }
        hex.add("5353482d70"); // a duplicate
        Matcher m = factory.compile("bin", SampleType.BINARY, hex, false, null);
        for (int i = 0; i < 256; i++) {
            boolean expected = i >= 0x70 && i < 0x98;
            ByteBuf b = Unpooled.wrappedBuffer(new byte[] {'S', 'S', 'H', '-', (byte) i});
            try {
                assertEquals(expected, m.matches(b), "byte " + i);
                assertEquals(expected, m.matches(new String(new char[] {'S', 'S', 'H', '-', (char) i})), "char " + i);
            } finally {
                b.release();
            }
        }
        assertFalse(matches(m, latin1("SSH-")));
    }

    @Test
    void ignoreCaseIsAcceptedAndChangesNothing() throws ConfigException {
        Matcher m = factory.compile("bin", SampleType.BINARY, List.of("5353482d"), true, null);
        assertTrue(matches(m, latin1("SSH-")));
        assertFalse(matches(m, latin1("ssh-")), "bytes compare exactly, as in HAProxy");
    }

    @Test
    void rejectsOtherMethodsAndMissingPatterns() {
        ConfigException method = assertThrows(ConfigException.class,
                () -> factory.compile("str", SampleType.BINARY, List.of("x"), false, null));
        assertTrue(method.getMessage().contains("-m str"), method.getMessage());
        ConfigException none = assertThrows(ConfigException.class,
                () -> factory.compile("bin", SampleType.BINARY, List.of(), false, null));
        assertTrue(none.getMessage().contains("at least one pattern"), none.getMessage());
        ConfigException empty = assertThrows(ConfigException.class,
                () -> factory.compile("bin", SampleType.BINARY, List.of(""), false, null));
        assertTrue(empty.getMessage().contains("empty pattern"), empty.getMessage());
    }

    /** The payload fetch and the matcher together, as the core wires `payload(0,7) -m bin ...`. */
    @Test
    void matchesWhatThePayloadSnifferCopied() throws ConfigException {
        PayloadSniffer sniffer = new PayloadSniffer();
        var fetch = sniffer.compile("payload", List.of("0", "7"), null);
        Matcher m = factory.compile("bin", fetch.type(), List.of("5353482d322e30"), false, null);
        MapFacts facts = new MapFacts();
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        try {
            in.writeBytes(latin1("SSH-2.0-OpenSSH_9.6\r\n"));
            sniffer.sniff(in, facts);
        } finally {
            in.release();
        }
        assertTrue(m.matches(fetch.sample(facts)));
    }
}
