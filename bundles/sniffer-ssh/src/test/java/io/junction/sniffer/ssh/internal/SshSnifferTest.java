package io.junction.sniffer.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SshSnifferTest {

    private final SshSniffer sniffer = new SshSniffer();

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
         * Bytes before the reader index that are not SSH, so that a parser reading from index 0
         * instead of the reader index is caught.
         */
        static final byte[] ALREADY_READ = {0x16, 0x03, 0x01, 0x00};

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

    /** One row: what a client sends first, and the verdict and facts expected. */
    record Line(String name, byte[] bytes, SniffResult result, String proto, String software, String comments,
            int decidedAt) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Line done(String name, byte[] bytes, String proto, String software, String comments) {
        int lf = -1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lf = i;
                break;
            }
        }
        return new Line(name, bytes, SniffResult.DONE, proto, software, comments, lf + 1);
    }

    private static Line done(String name, String line, String proto, String software, String comments) {
        return done(name, ascii(line), proto, software, comments);
    }

    private static Line notSsh(String name, byte[] bytes) {
        return new Line(name, bytes, SniffResult.NOT_APPLICABLE, null, null, null, -1);
    }

    private static Line notSsh(String name, String bytes) {
        return notSsh(name, ascii(bytes));
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** A binary packet as a client sends right after its identification (RFC 4253 section 6). */
    private static final byte[] KEXINIT_START = {0x00, 0x00, 0x05, (byte) 0xdc, 0x06, 0x14, 0x0a, 0x0d, 0x00};

    static Stream<Line> lines() {
        List<Line> rows = new ArrayList<>();
        // --- real clients
        rows.add(done("OpenSSH with comments", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "2.0",
                "OpenSSH_9.2p1", "Debian-2+deb12u3"));
        rows.add(done("OpenSSH", "SSH-2.0-OpenSSH_9.6\r\n", "2.0", "OpenSSH_9.6", null));
        rows.add(done("Dropbear", "SSH-2.0-dropbear_2022.83\r\n", "2.0", "dropbear_2022.83", null));
        rows.add(done("PuTTY", "SSH-2.0-PuTTY_Release_0.78\r\n", "2.0", "PuTTY_Release_0.78", null));
        rows.add(done("RFC example", "SSH-2.0-billsSSH_3.6.3q3\r\n", "2.0", "billsSSH_3.6.3q3", null));
        rows.add(done("comments with spaces", "SSH-2.0-MySSH_1.0 Some Comment, Allowed here\r\n", "2.0", "MySSH_1.0",
                "Some Comment, Allowed here"));
        rows.add(done("1.99 (section 5.1)", "SSH-1.99-OpenSSH_3.9p1\r\n", "1.99", "OpenSSH_3.9p1", null));
        rows.add(done("SSH-1 client", "SSH-1.5-1.2.27\n", "1.5", "1.2.27", null));
        rows.add(done("bare LF (section 4.2 leniency)", "SSH-2.0-Go\n", "2.0", "Go", null));
        rows.add(done("bare LF after comments", "SSH-2.0-paramiko_3.4.0 x\n", "2.0", "paramiko_3.4.0", "x"));
        rows.add(done("'-' in softwareversion (JSch 0.1.x)", "SSH-2.0-JSCH-0.1.54\r\n", "2.0", "JSCH-0.1.54", null));
        rows.add(done("SP then nothing: empty comments", "SSH-2.0-X \r\n", "2.0", "X", ""));
        rows.add(done("UTF-8 comments", concat(ascii("SSH-2.0-X caf"), "\u00e9 \u2713".getBytes(StandardCharsets.UTF_8),
                ascii("\r\n")), "2.0", "X", "caf\u00e9 \u2713"));
        rows.add(done("followed at once by the KEXINIT packet", concat(ascii("SSH-2.0-OpenSSH_9.6\r\n"), KEXINIT_START),
                "2.0", "OpenSSH_9.6", null));
        String max = "SSH-2.0-" + repeat('a', 255 - 8 - 2);
        rows.add(done("exactly 255 bytes with CR LF", max + "\r\n", "2.0", repeat('a', 245), null));
        rows.add(done("exactly 255 bytes with bare LF", "SSH-2.0-" + repeat('b', 255 - 8 - 1) + "\n", "2.0",
                repeat('b', 246), null));
        // --- not SSH, or not a valid identification line
        rows.add(notSsh("256 bytes with CR LF (over-long)", "SSH-2.0-" + repeat('a', 246) + "\r\n"));
        rows.add(notSsh("CR as the 255th byte: the LF could only be the 256th", "SSH-2.0-" + repeat('a', 246) + "\r"));
        rows.add(notSsh("no line end in 255 bytes", "SSH-2.0-" + repeat('a', 247)));
        rows.add(notSsh("no line end in 400 bytes", "SSH-2.0-x " + repeat('c', 390)));
        rows.add(notSsh("NUL in comments", "SSH-2.0-OpenSSH_9.6 foo\0bar\r\n"));
        rows.add(notSsh("NUL in softwareversion", "SSH-2.0-Open\0SSH\r\n"));
        rows.add(notSsh("NUL first", "\0SSH-2.0-x\r\n"));
        rows.add(notSsh("tab in comments", "SSH-2.0-x a\tb\r\n"));
        rows.add(notSsh("DEL in comments", "SSH-2.0-x a\u007fb\r\n"));
        rows.add(notSsh("byte 0x80 in softwareversion", concat(ascii("SSH-2.0-x"), new byte[] {(byte) 0x80}, ascii("\r\n"))));
        rows.add(notSsh("lone CR inside the line", "SSH-2.0-x\rabc\r\n"));
        rows.add(notSsh("CR CR LF", "SSH-2.0-x\r\r\n"));
        rows.add(notSsh("SSH-2.0 without software", "SSH-2.0\r\n"));
        rows.add(notSsh("SSH-2.0- with empty software", "SSH-2.0-\r\n"));
        rows.add(notSsh("SSH-2.0- then SP", "SSH-2.0- comment\r\n"));
        rows.add(notSsh("empty protoversion", "SSH--OpenSSH_9.6\r\n"));
        rows.add(notSsh("SP in protoversion", "SSH-2 0-x\r\n"));
        rows.add(notSsh("lower-case ssh-", "ssh-2.0-OpenSSH_9.6\r\n"));
        rows.add(notSsh("SSH without '-'", "SSH 2.0\r\n"));
        rows.add(notSsh("server's pre-banner line first", "Welcome\r\nSSH-2.0-x\r\n"));
        rows.add(notSsh("TLS ClientHello record", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc}));
        rows.add(notSsh("HTTP request", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
        rows.add(notSsh("PROXY protocol v1 header", "PROXY TCP4 127.0.0.1 127.0.0.1 40000 22\r\nSSH-2.0-x\r\n"));
        rows.add(notSsh("SSLv2-style hello", new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01}));
        return rows.stream();
    }

    /** Sniffs and checks the contract: indexes untouched, buffer not released, facts only on DONE. */
    private SniffResult sniff(ByteBuf in, MapFacts facts) {
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

    /**
     * Feeds {@code bytes} in chunks into one growing buffer, as the core accumulates a connection's
     * first bytes, sniffing after each until a verdict (as the core, which stops calling then).
     *
     * @return the verdict and how many bytes had been fed when it came
     */
    private Object[] feed(byte[] bytes, int chunk, MapFacts facts, Buffers buffers) {
        ByteBuf in = buffers.holding(new byte[0]);
        try {
            for (int from = 0; from < bytes.length; from += chunk) {
                int to = Math.min(bytes.length, from + chunk);
                in.writeBytes(bytes, from, to - from);
                SniffResult result = sniff(in, facts);
                if (result != SniffResult.NEED_MORE) {
                    return new Object[] {result, to};
                }
            }
            return new Object[] {SniffResult.NEED_MORE, bytes.length};
        } finally {
            in.release();
        }
    }

    static Stream<Arguments> linesByBuffer() {
        return lines().flatMap(line -> Stream.of(Buffers.values()).map(b -> Arguments.of(line, b)));
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("linesByBuffer")
    void wholeLine(Line line, Buffers buffers) {
        MapFacts facts = new MapFacts();
        ByteBuf in = buffers.holding(line.bytes());
        try {
            assertEquals(line.result(), sniff(in, facts));
        } finally {
            in.release();
        }
        assertFacts(line, facts);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void oneByteAtATime(Line line) {
        fedInChunks(line, 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void fiftyBytesAtATime(Line line) {
        fedInChunks(line, 50);
    }

    private void fedInChunks(Line line, int chunk) {
        for (Buffers buffers : Buffers.values()) {
            MapFacts facts = new MapFacts();
            Object[] verdict = feed(line.bytes(), chunk, facts, buffers);
            assertEquals(line.result(), verdict[0], buffers.name());
            if (line.result() == SniffResult.DONE) {
                // DONE with the chunk that brought the LF, not before and not later.
                int expected = Math.min(line.bytes().length, (line.decidedAt() + chunk - 1) / chunk * chunk);
                assertEquals(expected, verdict[1], "bytes fed when DONE came");
            }
            assertFacts(line, facts);
        }
    }

    private static void assertFacts(Line line, MapFacts facts) {
        if (line.result() != SniffResult.DONE) {
            assertTrue(facts.isEmpty(), facts.toString());
            return;
        }
        assertEquals(line.proto(), facts.get(SshFacts.PROTO));
        assertEquals(line.software(), facts.get(SshFacts.SOFTWARE));
        assertEquals(line.comments(), facts.get(SshFacts.COMMENTS));
        // The fetches read exactly those facts.
        assertEquals(line.proto(), SshFetch.SSH_PROTO.sample(facts));
        assertEquals(line.software(), SshFetch.SSH_SOFTWARE.sample(facts));
        assertEquals(line.comments(), SshFetch.SSH_COMMENTS.sample(facts));
    }

    /** Prefixes of valid lines wait, and so does a line one byte short of the limit. */
    @ParameterizedTest
    @MethodSource("prefixes")
    void prefixesOfAValidLineNeedMore(String prefix) {
        for (Buffers buffers : Buffers.values()) {
            MapFacts facts = new MapFacts();
            ByteBuf in = buffers.holding(ascii(prefix));
            try {
                assertEquals(SniffResult.NEED_MORE, sniff(in, facts), buffers.name());
            } finally {
                in.release();
            }
        }
    }

    static Stream<String> prefixes() {
        return Stream.of("S", "SS", "SSH", "SSH-", "SSH-2", "SSH-2.0", "SSH-2.0-", "SSH-2.0-Open",
                "SSH-2.0-OpenSSH_9.6", "SSH-2.0-OpenSSH_9.6 ", "SSH-2.0-OpenSSH_9.6 Debian", "SSH-2.0-OpenSSH_9.6\r",
                "SSH-2.0-OpenSSH_9.6 x\r", "SSH-2.0-" + repeat('a', 254 - 8));
    }

    @Test
    void emptyBufferNeedsMore() {
        MapFacts facts = new MapFacts();
        ByteBuf in = Buffers.UNPOOLED_HEAP.holding(new byte[0]);
        try {
            assertEquals(SniffResult.NEED_MORE, sniff(in, facts));
        } finally {
            in.release();
        }
    }

    /** The facts are copies: changing the buffer afterwards does not change them. */
    @Test
    void factsAreCopiesOfTheBytes() {
        MapFacts facts = new MapFacts();
        ByteBuf in = Buffers.POOLED_DIRECT.holding(ascii("SSH-2.0-OpenSSH_9.6 c\r\n"));
        try {
            assertEquals(SniffResult.DONE, sniff(in, facts));
            in.setZero(in.readerIndex(), in.readableBytes());
        } finally {
            in.release();
        }
        assertEquals("2.0", facts.get(SshFacts.PROTO));
        assertEquals("OpenSSH_9.6", facts.get(SshFacts.SOFTWARE));
        assertEquals("c", facts.get(SshFacts.COMMENTS));
    }

    @Test
    void peekLimitIsTheLongestLineTheRfcAllows() {
        assertEquals(255, sniffer.peekLimit());
    }

    // ---------------------------------------------------------------- compile

    @Test
    void compilesEachKeywordToItsSharedFetch() throws ConfigException {
        assertSame(SshFetch.SSH_PROTO, sniffer.compile("req.ssh_proto", List.of(), null));
        assertSame(SshFetch.SSH_SOFTWARE, sniffer.compile("req.ssh_software", List.of(), null));
        assertSame(SshFetch.SSH_COMMENTS, sniffer.compile("req.ssh_comments", List.of(), null));
        for (SshFetch f : SshFetch.values()) {
            assertEquals(SampleType.STRING, f.type());
            assertNull(f.sample(new MapFacts()), "unknown before the line was read");
        }
    }

    @Test
    void rejectsArgumentsAndForeignKeywords() {
        ConfigException args = assertThrows(ConfigException.class,
                () -> sniffer.compile("req.ssh_proto", List.of("1"), null));
        assertEquals("req.ssh_proto takes no arguments", args.getMessage());
        ConfigException foreign = assertThrows(ConfigException.class,
                () -> sniffer.compile("req.ssl_sni", List.of(), null));
        assertTrue(foreign.getMessage().contains("not a fetch of the SSH sniffer"), foreign.getMessage());
    }
}
