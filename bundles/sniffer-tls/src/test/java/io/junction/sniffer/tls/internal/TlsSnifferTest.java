package io.junction.sniffer.tls.internal;

import static io.junction.sniffer.tls.internal.Hellos.bytes;
import static io.junction.sniffer.tls.internal.Hellos.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class TlsSnifferTest {

    private static final String HOST = "app1.example.com";
    /** A real hello: SNI and ALPN h2, http/1.1, default protocols (TLS 1.3 and 1.2). */
    private static final byte[] HELLO = Hellos.clientHello(HOST, "h2", "http/1.1");
    private static final byte[] HANDSHAKE = Hellos.handshake(HELLO);

    private final TlsSniffer sniffer = new TlsSniffer(TlsSniffer.DEFAULT_MAX_HELLO_BYTES);

    /** Where the bytes live: the parser must work on heap and direct, pooled and unpooled. */
    enum Buffers {
        UNPOOLED_HEAP {
            @Override
            ByteBuf allocate() {
                return Unpooled.buffer(64);
            }
        },
        POOLED_DIRECT {
            @Override
            ByteBuf allocate() {
                return PooledByteBufAllocator.DEFAULT.directBuffer(64);
            }
        };

        /**
         * Bytes before the reader index that look like a TLS record header, so that a parser
         * reading from index 0 instead of the reader index is caught.
         */
        static final byte[] ALREADY_READ = bytes(0x16, 0x03, 0x01, 0x00);

        abstract ByteBuf allocate();

        /** A buffer holding {@code bytes} from a reader index that is not 0. */
        ByteBuf holding(byte[] bytes) {
            ByteBuf buf = allocate();
            buf.writeBytes(ALREADY_READ);
            buf.readerIndex(ALREADY_READ.length);
            buf.writeBytes(bytes);
            return buf;
        }
    }

    /** Sniffs and checks the contract: indexes untouched, buffer not released, facts only on DONE. */
    private static SniffResult sniff(TlsSniffer sniffer, ByteBuf in, MapFacts facts) {
        int readerIndex = in.readerIndex();
        int writerIndex = in.writerIndex();
        SniffResult result = sniffer.sniff(in, facts);
        assertEquals(readerIndex, in.readerIndex(), "reader index moved");
        assertEquals(writerIndex, in.writerIndex(), "writer index moved");
        assertEquals(1, in.refCnt(), "buffer released or retained");
        if (result != SniffResult.DONE) {
            assertTrue(facts.isEmpty(), "facts stored without DONE: " + facts);
        }
        return result;
    }

    private SniffResult sniffWhole(byte[] bytes, MapFacts facts, Buffers buffers) {
        return sniffWhole(sniffer, bytes, facts, buffers);
    }

    private static SniffResult sniffWhole(TlsSniffer sniffer, byte[] bytes, MapFacts facts, Buffers buffers) {
        ByteBuf in = buffers.holding(bytes);
        try {
            return sniff(sniffer, in, facts);
        } finally {
            in.release();
        }
    }

    /**
     * Feeds {@code bytes} in chunks into one growing buffer, as the core accumulates a connection's
     * first bytes, sniffing after each: NEED_MORE until the last chunk, then the returned result.
     */
    private static SniffResult feed(TlsSniffer sniffer, byte[] bytes, int chunk, MapFacts facts, Buffers buffers) {
        ByteBuf in = buffers.holding(new byte[0]);
        try {
            for (int from = 0; from < bytes.length; from += chunk) {
                int to = Math.min(bytes.length, from + chunk);
                in.writeBytes(bytes, from, to - from);
                SniffResult result = sniff(sniffer, in, facts);
                if (to < bytes.length) {
                    if (result != SniffResult.NEED_MORE) {
                        return fail("expected NEED_MORE after " + to + " of " + bytes.length + " bytes, got " + result);
                    }
                } else {
                    return result;
                }
            }
            return fail("no bytes");
        } finally {
            in.release();
        }
    }

    private static void assertRealHelloFacts(MapFacts facts) {
        assertEquals(HOST, facts.get(TlsFacts.SNI));
        assertEquals(1L, facts.get(TlsFacts.HELLO_TYPE));
        assertEquals(List.of("h2", "http/1.1"), facts.get(TlsFacts.ALPN));
        assertEquals(0x30004L, facts.get(TlsFacts.VERSION), "TLS 1.3 is offered in supported_versions");
        assertEquals(Boolean.TRUE, facts.get(TlsFacts.EC_EXT));
        assertEquals(Boolean.FALSE, facts.get(TlsFacts.ECH));
    }

    // ---------------------------------------------------------------- whole and fragmented hellos

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void wholeHelloInOneRecordIsRead(Buffers buffers) {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(HELLO, facts, buffers));
        assertRealHelloFacts(facts);
        assertThrows(UnsupportedOperationException.class, () -> facts.get(TlsFacts.ALPN).add("x"));
    }

    /** Framings of the same real hello: the handshake message cut across TLS records. */
    static Stream<Arguments> framings() {
        int n = HANDSHAKE.length;
        int sni = Hellos.extensionAt(HANDSHAKE, Hellos.EXT_SERVER_NAME);
        int alpn = Hellos.extensionAt(HANDSHAKE, Hellos.EXT_ALPN);
        return Stream.of(
                Arguments.of("one record", HELLO),
                Arguments.of("two records, cut in the middle", Hellos.frame(HANDSHAKE, n / 2)),
                Arguments.of("three records", Hellos.frame(HANDSHAKE, n / 3, 2 * n / 3)),
                Arguments.of("handshake header split 2+2", Hellos.frame(HANDSHAKE, 2)),
                Arguments.of("handshake header one byte per record", Hellos.frame(HANDSHAKE, 1, 2, 3, 4)),
                Arguments.of("cut inside the host_name", Hellos.frame(HANDSHAKE, sni + 4 + 5 + 3)),
                Arguments.of("cut inside an extension header and an ALPN name",
                        Hellos.frame(HANDSHAKE, sni + 1, alpn + 4 + 2 + 1)),
                Arguments.of("last record carries one byte", Hellos.frame(HANDSHAKE, n - 1)));
    }

    static Stream<Arguments> framingsByChunk() {
        List<Arguments> all = new ArrayList<>();
        for (Arguments framing : framings().toList()) {
            for (int chunk : new int[] {1, 50, Integer.MAX_VALUE}) {
                for (Buffers buffers : Buffers.values()) {
                    Object[] a = framing.get();
                    all.add(Arguments.of(a[0], a[1], chunk, buffers));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, chunks of {2}, {3}")
    @MethodSource("framingsByChunk")
    void helloIsReadWhateverTheSegmentsAndRecords(String framing, byte[] wire, int chunk, Buffers buffers) {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, feed(sniffer, wire, chunk, facts, buffers));
        assertRealHelloFacts(facts);
    }

    @ParameterizedTest
    @EnumSource(Buffers.class)
    void sixteenKibHelloSpanningTwoRecordsIsRead(Buffers buffers) {
        // RFC 7685 padding, as a client pads its hello; 16 KiB and more cannot fit one record.
        int padding = 16 * 1024 + 600 - HANDSHAKE.length;
        byte[] big = Hellos.withExtension(HANDSHAKE, Hellos.EXT_PADDING, new byte[padding], true);
        assertTrue(big.length > 16 * 1024);
        byte[] wire = Hellos.frameMax(big);
        assertEquals(22, wire[5 + (1 << 14)], "a second record follows the first full one");

        MapFacts whole = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(wire, whole, buffers));
        assertRealHelloFacts(whole);

        MapFacts segments = new MapFacts();
        assertEquals(SniffResult.DONE, feed(sniffer, wire, 1448, segments, buffers));
        assertRealHelloFacts(segments);
    }

    @Test
    void helloSpanningManyTinyRecordsIsRead() {
        int[] cuts = new int[HANDSHAKE.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(HANDSHAKE, cuts), facts, Buffers.UNPOOLED_HEAP));
        assertRealHelloFacts(facts);
    }

    @Test
    void bytesAfterTheHelloAreIgnored() {
        // A TLS 1.3 client may follow its hello with early data; the facts come from the hello.
        byte[] wire = concat(HELLO, bytes(20, 3, 3, 0, 1, 1), bytes(23, 3, 3, 0, 3, 1, 2, 3));
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(wire, facts, Buffers.POOLED_DIRECT));
        assertRealHelloFacts(facts);
    }

    // ---------------------------------------------------------------- facts of different hellos

    @Test
    void helloWithoutSniOrAlpnHasNeither() {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.clientHello(null), facts, Buffers.UNPOOLED_HEAP));
        assertNull(facts.get(TlsFacts.SNI));
        assertNull(facts.get(TlsFacts.ALPN));
        assertEquals(1L, facts.get(TlsFacts.HELLO_TYPE));
        assertEquals(Boolean.FALSE, facts.get(TlsFacts.ECH));
    }

    @Test
    void singleAlpnProtocol() {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.clientHello(HOST, "http/1.1"), facts, Buffers.UNPOOLED_HEAP));
        assertEquals(List.of("http/1.1"), facts.get(TlsFacts.ALPN));
    }

    @Test
    void manyAlpnProtocolsInClientOrder() {
        MapFacts facts = new MapFacts();
        byte[] hello = Hellos.clientHello(HOST, "h3", "h2", "http/1.1", "acme-tls/1");
        assertEquals(SniffResult.DONE, sniffWhole(hello, facts, Buffers.POOLED_DIRECT));
        assertEquals(List.of("h3", "h2", "http/1.1", "acme-tls/1"), facts.get(TlsFacts.ALPN));
    }

    @Test
    void tls12OnlyClientIsVersion3Dot3() {
        MapFacts facts = new MapFacts();
        byte[] hello = Hellos.clientHelloWith(new String[] {"TLSv1.2"}, HOST);
        assertEquals(SniffResult.DONE, sniffWhole(hello, facts, Buffers.UNPOOLED_HEAP));
        assertEquals(0x30003L, facts.get(TlsFacts.VERSION));
        assertEquals(HOST, facts.get(TlsFacts.SNI));
    }

    static Stream<Arguments> versions() {
        return Stream.of(
                Arguments.of("no supported_versions: client_version", 0x0301, null, 0x30001L),
                Arguments.of("no supported_versions, TLS 1.2", 0x0303, null, 0x30003L),
                Arguments.of("TLS 1.3 and 1.2", 0x0303, bytes(4, 3, 4, 3, 3), 0x30004L),
                Arguments.of("order does not matter", 0x0303, bytes(6, 3, 2, 3, 4, 3, 3), 0x30004L),
                Arguments.of("GREASE is larger but not TLS", 0x0303, bytes(4, 0x7A, 0x7A, 3, 3), 0x30003L),
                Arguments.of("GREASE before TLS 1.3", 0x0303, bytes(6, 0x0A, 0x0A, 3, 4, 3, 3), 0x30004L),
                Arguments.of("only GREASE: client_version", 0x0303, bytes(2, 0xDA, 0xDA), 0x30003L),
                Arguments.of("DTLS and drafts are not TLS", 0x0302, bytes(4, 0xFE, 0xFD, 0x7F, 0x1C), 0x30002L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void versionIsTheHighestTlsVersionOffered(String what, int legacyVersion, byte[] supportedVersions, long expected) {
        byte[] hs = supportedVersions == null
                ? Hellos.synthetic(legacyVersion, Hellos.extension(10, bytes(0, 2, 0, 29)))
                : Hellos.synthetic(legacyVersion, Hellos.extension(43, supportedVersions));
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(hs), facts, Buffers.UNPOOLED_HEAP));
        assertEquals(expected, facts.get(TlsFacts.VERSION));
        assertEquals(supportedVersions == null, facts.get(TlsFacts.EC_EXT));
    }

    @Test
    void echExtensionIsReportedAndTheOuterSniIsTheSni() {
        // draft-ietf-tls-esni: outer(0), cipher suite, config_id, enc<0..>, payload<1..>.
        byte[] ech = bytes(0, 0, 1, 0, 1, 7, 0, 2, 0xAA, 0xBB, 0, 3, 1, 2, 3);
        byte[] hs = Hellos.withExtension(Hellos.handshake(Hellos.clientHello("public.example.net", "h2")),
                Hellos.EXT_ECH, ech, false);
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(hs), facts, Buffers.POOLED_DIRECT));
        assertEquals(Boolean.TRUE, facts.get(TlsFacts.ECH));
        assertEquals("public.example.net", facts.get(TlsFacts.SNI));
    }

    @Test
    void minimalTls10HelloWithoutExtensions() {
        // Before TLS 1.3 the extensions are optional (RFC 5246 section 7.4.1.2).
        byte[] hs = Hellos.synthetic(0x0301);
        assertEquals(4 + ClientHelloParser.MIN_CLIENT_HELLO_LENGTH, hs.length);
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(hs), facts, Buffers.UNPOOLED_HEAP));
        assertEquals(0x30001L, facts.get(TlsFacts.VERSION));
        assertEquals(Boolean.FALSE, facts.get(TlsFacts.EC_EXT));
        assertNull(facts.get(TlsFacts.SNI));
    }

    @Test
    void hostNameThatIsNotAPlausibleDnsNameIsNoSni() {
        byte[] noSni = Hellos.handshake(Hellos.clientHello(null, "h2"));
        byte[] hs = Hellos.withExtension(noSni, Hellos.EXT_SERVER_NAME, Hellos.serverName("a.example\nlog-injection"), true);
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(hs), facts, Buffers.UNPOOLED_HEAP));
        assertNull(facts.get(TlsFacts.SNI));
        assertEquals(List.of("h2"), facts.get(TlsFacts.ALPN), "the rest of the hello is still read");
    }

    // ---------------------------------------------------------------- not a (valid) ClientHello

    private static byte[] mutate(byte[] bytes, int position, int value) {
        byte[] copy = bytes.clone();
        copy[position] = (byte) value;
        return copy;
    }

    private static byte[] mutate16(byte[] bytes, int position, int value) {
        byte[] copy = bytes.clone();
        Hellos.put16(copy, position, value);
        return copy;
    }

    static Stream<Arguments> notApplicable() {
        byte[] hs = HANDSHAKE;
        int ext = Hellos.extensionsAt(hs);
        int sni = Hellos.extensionAt(hs, Hellos.EXT_SERVER_NAME);
        int alpn = Hellos.extensionAt(hs, Hellos.EXT_ALPN);
        int sessionIdAt = 4 + 2 + 32;
        int cipherSuitesAt = sessionIdAt + 1 + (hs[sessionIdAt] & 0xFF);

        // Truncated, with the lengths "fixed" to the truncated size: the body's own lengths lie.
        byte[] truncated = Arrays.copyOf(hs, hs.length * 3 / 5);
        Hellos.put24(truncated, 1, truncated.length - 4);

        // A second extension block length that overruns, and one extension that overruns.
        byte[] blockOverrun = mutate16(hs, ext, Hellos.u16(hs, ext) + 1);
        byte[] extensionOverrun = mutate16(hs, ext + 2 + 2, 0xFFFF);
        byte[] lastOverrun = Hellos.withExtension(hs, Hellos.EXT_PADDING, new byte[3], false);
        Hellos.put16(lastOverrun, lastOverrun.length - 5, 4);

        byte[] sslv2Hello = bytes(0x80, 0x2E, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
                0x07, 0x00, 0xC0, 0x05, 0x00, 0x80, 0x03, 0x00, 0x80, 0x01, 0x00, 0x80, 0x06, 0x00, 0x40,
                0x04, 0x00, 0x80, 0x02, 0x00, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        byte[] serverHello = mutate(HELLO, 5, 2);
        byte[] oversized = bytes(22, 3, 1, 0x40, 0x00, 1, 0x00, 0x9C, 0x40); // ClientHello of 40000 bytes
        byte[] huge = bytes(22, 3, 1, 0x40, 0x00, 1, 0xFF, 0xFF, 0xFF);
        byte[] tooShortBody = Hellos.frame(concat(bytes(1, 0, 0, 40), new byte[40]));

        byte[] noSni = Hellos.handshake(Hellos.clientHello(null, "h2"));
        byte[] twoSni = Hellos.withExtension(Hellos.withExtension(noSni, Hellos.EXT_SERVER_NAME,
                Hellos.serverName("a.example"), true), Hellos.EXT_SERVER_NAME, Hellos.serverName("b.example"), false);
        byte[] twoHostNamesInOneList = Hellos.withExtension(noSni, Hellos.EXT_SERVER_NAME,
                concat(bytes(0, 12, 0, 0, 3), "a.x".getBytes(StandardCharsets.US_ASCII),
                        bytes(0, 0, 4), "b.xy".getBytes(StandardCharsets.US_ASCII)), true);
        byte[] emptyAlpnName = Hellos.withExtension(Hellos.handshake(Hellos.clientHello(HOST)), Hellos.EXT_ALPN,
                bytes(0, 4, 2, 'h', '2', 0), false);

        return Stream.of(
                Arguments.of("garbage", bytes(0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE)),
                Arguments.of("HTTP request", "GET / HTTP/1.1\r\nHost: app1.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("SSH banner", "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("SSLv2-style hello", sslv2Hello),
                Arguments.of("application data record", mutate(HELLO, 0, 23)),
                Arguments.of("alert record", mutate(HELLO, 0, 21)),
                Arguments.of("change_cipher_spec record", mutate(HELLO, 0, 20)),
                Arguments.of("record major version 2", mutate(HELLO, 1, 2)),
                Arguments.of("record minor version 0x99", mutate(HELLO, 2, 0x99)),
                Arguments.of("zero-length record", concat(bytes(22, 3, 1, 0, 0), HELLO)),
                Arguments.of("record longer than 2^14", concat(bytes(22, 3, 1, 0x40, 0x01), HANDSHAKE)),
                Arguments.of("ServerHello, not ClientHello", serverHello),
                Arguments.of("ClientHello body shorter than the minimum", tooShortBody),
                Arguments.of("declared length 40000 > cap", oversized),
                Arguments.of("declared length 2^24-1", huge),
                Arguments.of("truncated hello with lying lengths", Hellos.frame(truncated)),
                Arguments.of("hello continued by a non-handshake record",
                        concat(Arrays.copyOf(Hellos.frame(hs, hs.length / 2), 5 + hs.length / 2),
                                bytes(21, 3, 3, 0, 2, 2, 40))),
                Arguments.of("hello continued by an HTTP request",
                        concat(Arrays.copyOf(Hellos.frame(hs, hs.length / 2), 5 + hs.length / 2),
                                "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))),
                Arguments.of("legacy_version 2.0", Hellos.frame(mutate(hs, 4, 2))),
                Arguments.of("session id of 33 bytes", Hellos.frame(mutate(hs, sessionIdAt, 33))),
                Arguments.of("odd cipher suites length", Hellos.frame(mutate16(hs, cipherSuitesAt, Hellos.u16(hs, cipherSuitesAt) - 1))),
                Arguments.of("extensions block overruns the message", Hellos.frame(blockOverrun)),
                Arguments.of("extension overruns its block", Hellos.frame(extensionOverrun)),
                Arguments.of("last extension overruns its block by one byte", Hellos.frame(lastOverrun)),
                Arguments.of("server_name list length lies", Hellos.frame(mutate16(hs, sni + 4, Hellos.u16(hs, sni + 4) + 1))),
                Arguments.of("host_name length overruns", Hellos.frame(mutate16(hs, sni + 4 + 3, 0x1000))),
                Arguments.of("two server_name extensions", Hellos.frame(twoSni)),
                Arguments.of("two host_names in one list", Hellos.frame(twoHostNamesInOneList)),
                Arguments.of("ALPN list length lies", Hellos.frame(mutate16(hs, alpn + 4, Hellos.u16(hs, alpn + 4) - 1))),
                Arguments.of("ALPN name length overruns", Hellos.frame(mutate(hs, alpn + 6, 0x7F))),
                Arguments.of("empty ALPN protocol name", Hellos.frame(emptyAlpnName)),
                Arguments.of("supported_versions of odd length",
                        Hellos.frame(Hellos.synthetic(0x0303, Hellos.extension(43, bytes(3, 3, 4, 3))))),
                Arguments.of("two supported_versions extensions", Hellos.frame(Hellos.synthetic(0x0303,
                        Hellos.extension(43, bytes(2, 3, 4)), Hellos.extension(43, bytes(2, 3, 3))))),
                Arguments.of("bytes after the extensions block", Hellos.frame(concat(
                        mutate(Hellos.synthetic(0x0303, Hellos.extension(10, bytes(0, 2, 0, 29))), 3, 41 + 2 + 8 + 1),
                        bytes(0)))),
                Arguments.of("interleaved alert between hello records",
                        concat(Arrays.copyOf(Hellos.frame(hs, 100), 105), bytes(21, 3, 3, 0, 2, 1, 0),
                                Arrays.copyOfRange(Hellos.frame(hs, 100), 105, hs.length + 10))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notApplicable")
    void notAClientHelloIsNotApplicable(String what, byte[] wire) {
        for (Buffers buffers : Buffers.values()) {
            assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole(wire, new MapFacts(), buffers), what + ", " + buffers);
        }
        // And byte by byte: never DONE, never an exception, NOT_APPLICABLE at the latest at the end.
        ByteBuf in = Buffers.POOLED_DIRECT.holding(new byte[0]);
        try {
            SniffResult last = null;
            for (byte b : wire) {
                in.writeByte(b);
                last = sniff(sniffer, in, new MapFacts());
                assertNotEquals(SniffResult.DONE, last, what);
            }
            assertEquals(SniffResult.NOT_APPLICABLE, last, what);
        } finally {
            in.release();
        }
    }

    @Test
    void nonTlsIsRejectedFromItsFirstByte() {
        for (String first : new String[] {"G", "S", "P", "\u0080", "\u0000"}) {
            assertEquals(SniffResult.NOT_APPLICABLE,
                    sniffWhole(first.getBytes(StandardCharsets.ISO_8859_1), new MapFacts(), Buffers.UNPOOLED_HEAP), first);
        }
    }

    @Test
    void everyPrefixOfAHelloNeedsMore() {
        for (int length = 0; length < HELLO.length; length++) {
            assertEquals(SniffResult.NEED_MORE,
                    sniffWhole(Arrays.copyOf(HELLO, length), new MapFacts(), Buffers.UNPOOLED_HEAP), "prefix " + length);
        }
    }

    @Test
    void helloWhoseRecordsExceedTheCapIsNotApplicable() {
        int padding = 16 * 1024 + 600 - HANDSHAKE.length;
        byte[] wire = Hellos.frameMax(Hellos.withExtension(HANDSHAKE, Hellos.EXT_PADDING, new byte[padding], true));
        TlsSniffer small = new TlsSniffer(4096);
        assertEquals(4096, small.peekLimit());
        assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole(small, wire, new MapFacts(), Buffers.POOLED_DIRECT));
        // Decided from the headers alone, without waiting for 16 KiB.
        assertEquals(SniffResult.NOT_APPLICABLE,
                sniffWhole(small, Arrays.copyOf(wire, 9), new MapFacts(), Buffers.POOLED_DIRECT));
        // The same hello in tiny records: the record overhead counts against the cap too.
        int[] cuts = new int[HANDSHAKE.length / 8];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = 8 * (i + 1);
        }
        byte[] tiny = Hellos.frame(HANDSHAKE, cuts);
        TlsSniffer capped = new TlsSniffer(Math.max(TlsSniffer.MIN_MAX_HELLO_BYTES, HELLO.length));
        assertTrue(tiny.length > capped.peekLimit(), "tiny records cost more than the cap");
        assertEquals(SniffResult.DONE, sniffWhole(capped, HELLO, new MapFacts(), Buffers.UNPOOLED_HEAP));
        assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole(capped, tiny, new MapFacts(), Buffers.UNPOOLED_HEAP));
    }

    /**
     * Never throws, whatever the bytes: random corruptions and truncations of real hellos (one and
     * several records), with a fixed seed so that a failure reproduces.
     */
    @Test
    void corruptedHellosNeverThrow() {
        Random random = new Random(20240611L);
        byte[][] seeds = {HELLO, Hellos.frame(HANDSHAKE, HANDSHAKE.length / 3, HANDSHAKE.length / 2)};
        ByteBuf in = Unpooled.buffer(2048);
        try {
            int done = 0;
            for (int round = 0; round < 20000; round++) {
                byte[] wire = seeds[round & 1].clone();
                int changes = 1 + random.nextInt(4);
                for (int i = 0; i < changes; i++) {
                    wire[random.nextInt(wire.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) {
                    wire = Arrays.copyOf(wire, random.nextInt(wire.length + 1));
                }
                in.clear().writeBytes(wire);
                MapFacts out = new MapFacts();
                if (sniff(sniffer, in, out) == SniffResult.DONE) {
                    done++;
                    assertEquals(1L, out.get(TlsFacts.HELLO_TYPE));
                }
            }
            // Bytes of the random and of the key shares can change freely: some hellos stay valid.
            assertTrue(done > 0, "no corrupted hello was still valid: the test exercises nothing");
        } finally {
            in.release();
        }
    }

    // ---------------------------------------------------------------- compile()

    static Stream<Arguments> compilations() {
        return Stream.of(
                // keyword, args, expected type or null, expected error or null
                Arguments.of("req.ssl_sni", List.of(), SampleType.STRING, null),
                Arguments.of("req.ssl_hello_type", List.of(), SampleType.INTEGER, null),
                Arguments.of("req.ssl_alpn", List.of(), SampleType.STRING, null),
                Arguments.of("req.ssl_ver", List.of(), SampleType.INTEGER, null),
                Arguments.of("req.ssl_ec_ext", List.of(), SampleType.BOOLEAN, null),
                Arguments.of("req.ssl_ech", List.of(), SampleType.BOOLEAN, null),
                Arguments.of("req.ssl_sni", List.of("0"), null, "req.ssl_sni takes no arguments"),
                Arguments.of("req.ssl_ver", List.of("a", "b"), null, "req.ssl_ver takes no arguments"),
                Arguments.of("req.ssl_alpn", List.of(""), null, "req.ssl_alpn takes no arguments"),
                Arguments.of("req.ssl_foo", List.of(), null, "req.ssl_foo: not a fetch of the TLS sniffer"),
                Arguments.of("ssl_fc_sni", List.of(), null, "ssl_fc_sni: not a fetch of the TLS sniffer"),
                Arguments.of("REQ.SSL_SNI", List.of(), null, "REQ.SSL_SNI: not a fetch of the TLS sniffer"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("compilations")
    void compile(String keyword, List<String> args, SampleType type, String error) throws ConfigException {
        if (error != null) {
            ConfigException e = assertThrows(ConfigException.class, () -> sniffer.compile(keyword, args, null));
            assertTrue(e.getMessage().startsWith(error), e.getMessage());
            return;
        }
        Fetch fetch = sniffer.compile(keyword, args, null);
        assertEquals(type, fetch.type());
        assertSame(fetch, sniffer.compile(keyword, List.of(), null), "one shared fetch per keyword");
        assertNull(fetch.sample(new MapFacts()), "unknown before the hello is read");

        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(HELLO, facts, Buffers.UNPOOLED_HEAP));
        Object sample = fetch.sample(facts);
        switch (keyword) {
            case "req.ssl_sni" -> assertEquals(HOST, sample);
            case "req.ssl_hello_type" -> assertEquals(1L, sample);
            case "req.ssl_alpn" -> assertEquals(List.of("h2", "http/1.1"), sample);
            case "req.ssl_ver" -> assertEquals(0x30004L, sample);
            case "req.ssl_ec_ext" -> assertEquals(Boolean.TRUE, sample);
            case "req.ssl_ech" -> assertEquals(Boolean.FALSE, sample);
            default -> fail(keyword);
        }
    }

    @Test
    void everyFetchIsUnknownAfterNotApplicable() throws ConfigException {
        MapFacts facts = new MapFacts();
        assertEquals(SniffResult.NOT_APPLICABLE, sniffWhole("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII),
                facts, Buffers.UNPOOLED_HEAP));
        for (TlsFetch fetch : TlsFetch.values()) {
            assertNull(sniffer.compile(fetch.keyword(), List.of(), null).sample(facts), fetch.keyword());
        }
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void peekLimitDefaultsTo32KiB() {
        assertEquals(32 * 1024, sniffer.peekLimit());
        assertEquals(32 * 1024, new TlsSniffer(config(TlsSniffer.DEFAULT_MAX_HELLO_BYTES)).peekLimit());
    }

    @Test
    void configuredCapIsClampedToItsRange() {
        assertEquals(65536, new TlsSniffer(config(65536)).peekLimit());
        assertEquals(512, new TlsSniffer(config(10)).peekLimit());
        assertEquals(1024 * 1024, new TlsSniffer(config(Integer.MAX_VALUE)).peekLimit());
        assertThrows(IllegalArgumentException.class, () -> new TlsSniffer(100));
    }

    @SuppressWarnings("all")
    private static TlsSniffer.Config config(int maxHelloBytes) {
        return new TlsSniffer.Config() {
            @Override
            public int max_hello_bytes() {
                return maxHelloBytes;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return TlsSniffer.Config.class;
            }
        };
    }

    @Test
    void sameFactsWhetherOneOrManyRecords() {
        MapFacts one = new MapFacts();
        MapFacts many = new MapFacts();
        assertEquals(SniffResult.DONE, sniffWhole(HELLO, one, Buffers.UNPOOLED_HEAP));
        assertEquals(SniffResult.DONE, sniffWhole(Hellos.frame(HANDSHAKE, 7, 70, 170), many, Buffers.UNPOOLED_HEAP));
        assertEquals(one.size(), many.size());
        for (TlsFetch fetch : TlsFetch.values()) {
            assertEquals(fetch.sample(one), fetch.sample(many), fetch.keyword());
        }
        assertFalse(one.isEmpty());
        assertSame(one.get(TlsFacts.VERSION), many.get(TlsFacts.VERSION), "shared Long constants");
    }
}
