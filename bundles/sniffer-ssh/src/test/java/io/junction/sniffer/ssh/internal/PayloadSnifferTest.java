package io.junction.sniffer.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PayloadSnifferTest {

    private final PayloadSniffer sniffer = new PayloadSniffer();

    private Fetch compile(String keyword, String... args) throws ConfigException {
        return sniffer.compile(keyword, Arrays.asList(args), null);
    }

    private static String text(Object sample) {
        ByteBuf b = assertInstanceOf(ByteBuf.class, sample);
        return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.ISO_8859_1);
    }

    /** A pooled direct buffer with bytes before its reader index, as the TLS and SSH tests do. */
    private static ByteBuf buffer() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeBytes(new byte[] {'X', 'Y', 'Z'});
        buf.readerIndex(3);
        return buf;
    }

    private SniffResult sniff(ByteBuf in, MapFacts facts) {
        int reader = in.readerIndex();
        int writer = in.writerIndex();
        SniffResult result = sniffer.sniff(in, facts);
        assertEquals(reader, in.readerIndex(), "reader index moved");
        assertEquals(writer, in.writerIndex(), "writer index moved");
        assertEquals(1, in.refCnt(), "buffer released or retained");
        return result;
    }

    // ---------------------------------------------------------------- compile

    /** keyword, args, expected message fragment. */
    static Stream<Arguments> buildErrors() {
        return Stream.of(
                Arguments.of("req.payload", List.of(), "needs two arguments"),
                Arguments.of("req.payload", List.of("0"), "needs two arguments"),
                Arguments.of("req.payload", List.of("0", "4", "5"), "needs two arguments"),
                Arguments.of("payload", List.of("4"), "payload needs two arguments"),
                Arguments.of("req.payload", List.of("a", "4"), "OFFSET 'a' is not a non-negative decimal integer"),
                Arguments.of("req.payload", List.of("-1", "4"), "OFFSET '-1' is not a non-negative"),
                Arguments.of("req.payload", List.of("0", "-4"), "LENGTH '-4' is not a non-negative"),
                Arguments.of("req.payload", List.of("+1", "4"), "OFFSET '+1'"),
                Arguments.of("req.payload", List.of("0x10", "4"), "OFFSET '0x10'"),
                Arguments.of("req.payload", List.of("0", ""), "LENGTH is empty"),
                Arguments.of("req.payload", List.of("0", "1025"), "LENGTH may be at most 1024"),
                Arguments.of("req.payload", List.of("16000", "1000"), "must end within the first 16384 bytes"),
                Arguments.of("req.payload", List.of("15361", "0"), "OFFSET may be at most 15360"),
                Arguments.of("req.payload", List.of("99999999999", "1"), "too large"),
                Arguments.of("req.len", List.of("1"), "req.len takes no arguments"),
                Arguments.of("req_len", List.of("1"), "req_len takes no arguments"),
                Arguments.of("req.ssh_proto", List.of(), "not a fetch of the payload sniffer"));
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("buildErrors")
    void rejectsBadArguments(String keyword, List<String> args, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> sniffer.compile(keyword, args, null));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(0, sniffer.windows().size(), "a rejected window must not be registered");
    }

    @Test
    void limitsAreAccepted() throws ConfigException {
        assertEquals(SampleType.BINARY, compile("req.payload", "0", "1024").type());
        assertEquals(SampleType.BINARY, compile("req.payload", "15360", "1024").type());
        assertEquals(SampleType.BINARY, compile("req.payload", "15360", "0").type());
        assertEquals(SampleType.BINARY, compile("req.payload", "16383", "1").type());
        assertEquals(SampleType.INTEGER, compile("req.len").type());
        assertEquals(SampleType.INTEGER, sniffer.compile("req.len", null, null).type());
    }

    @Test
    void oneSharedFetchPerDistinctWindowWhateverTheSpelling() throws ConfigException {
        Fetch a = compile("req.payload", "0", "7");
        assertSame(a, compile("payload", "0", "7"));
        assertSame(a, compile("req.payload", " 0", "7 "));
        assertSame(a, compile("req.payload", "00", "07"));
        assertNotSame(a, compile("req.payload", "0", "8"));
        assertSame(compile("req.len"), compile("req_len"));
        assertEquals(3, sniffer.windows().size());
        assertEquals("req.payload(0,7)", a.toString());
    }

    @Test
    void peekLimitCoversEveryWindow() throws ConfigException {
        assertEquals(1, sniffer.peekLimit(), "nothing compiled: at least 1");
        List<Fetch> keep = new ArrayList<>();
        keep.add(compile("req.payload", "0", "7"));
        assertEquals(7, sniffer.peekLimit());
        keep.add(compile("req.payload", "100", "4"));
        assertEquals(104, sniffer.peekLimit());
        keep.add(compile("req.payload", "10", "0"));
        assertEquals(10 + PayloadWindows.MAX_LENGTH, sniffer.peekLimit(), "LENGTH 0 spans up to MAX_LENGTH");
        keep.add(compile("req.len"));
        assertEquals(PayloadWindows.MAX_END, sniffer.peekLimit(), "req.len measures HAProxy's whole buffer");
        assertEquals(4, keep.size());
    }

    @Test
    void atMostMaxWindowsLiveAtOnce() throws ConfigException {
        List<Fetch> keep = new ArrayList<>();
        for (int i = 0; i < PayloadWindows.MAX_WINDOWS; i++) {
            keep.add(compile("req.payload", String.valueOf(i), "1"));
        }
        assertSame(keep.get(5), compile("req.payload", "5", "1"), "an existing window is still found when full");
        ConfigException e = assertThrows(ConfigException.class, () -> compile("req.payload", "999", "1"));
        assertTrue(e.getMessage().contains("more than 64 distinct req.payload windows"), e.getMessage());
        assertThrows(ConfigException.class, () -> compile("req.len"), "req.len takes a slot too");
        assertEquals(PayloadWindows.MAX_WINDOWS, sniffer.windows().size());
    }

    // ---------------------------------------------------------------- sniff

    /**
     * Windows fill as the bytes arrive: each is unknown until complete, then a copy; LENGTH 0 is
     * known from OFFSET bytes on and grows; req.len follows the bytes received.
     */
    @Test
    void windowsFillAsBytesArriveOneAtATime() throws ConfigException {
        Fetch sshPrefix = compile("req.payload", "0", "4");
        Fetch middle = compile("req.payload", "2", "3");
        Fetch tail = compile("req.payload", "8", "0");
        Fetch len = compile("req.len");
        byte[] line = "SSH-2.0-Go\r\n".getBytes(StandardCharsets.US_ASCII);
        MapFacts facts = new MapFacts();
        assertNull(len.sample(facts), "req.len is unknown before the first byte while inspecting");
        ByteBuf in = buffer();
        try {
            for (int n = 1; n <= line.length; n++) {
                in.writeByte(line[n - 1]);
                assertEquals(SniffResult.NEED_MORE, sniff(in, facts), "req.len and LENGTH 0 keep it reading");
                assertEquals((long) n, len.sample(facts));
                assertEquals(n >= 4 ? "SSH-" : null, n >= 4 ? text(sshPrefix.sample(facts)) : sshPrefix.sample(facts));
                assertEquals(n >= 5 ? "H-2" : null, n >= 5 ? text(middle.sample(facts)) : middle.sample(facts));
                if (n < 8) {
                    assertNull(tail.sample(facts), "LENGTH 0 is unknown before OFFSET bytes");
                } else {
                    assertEquals(new String(line, 8, n - 8, StandardCharsets.US_ASCII), text(tail.sample(facts)));
                }
            }
        } finally {
            in.release();
        }
        assertEquals(1, facts.size(), "one fact for every window and req.len");
    }

    @Test
    void doneOnceEveryFixedWindowIsFilled() throws ConfigException {
        Fetch a = compile("req.payload", "0", "4");
        Fetch b = compile("payload", "4", "3");
        byte[] bytes = "SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int chunk : new int[] {1, 2, 50}) {
            MapFacts facts = new MapFacts();
            ByteBuf in = buffer();
            try {
                int doneAt = -1;
                for (int from = 0; from < bytes.length && doneAt < 0; from += chunk) {
                    int to = Math.min(bytes.length, from + chunk);
                    in.writeBytes(bytes, from, to - from);
                    if (sniff(in, facts) == SniffResult.DONE) {
                        doneAt = to;
                    }
                }
                assertEquals(Math.min(bytes.length, (7 + chunk - 1) / chunk * chunk), doneAt, "chunk " + chunk);
            } finally {
                in.release();
            }
            assertEquals("SSH-", text(a.sample(facts)));
            assertEquals("2.0", text(b.sample(facts)));
        }
    }

    @Test
    void windowsAreReadOnlyCopiesThatOutliveTheBuffer() throws ConfigException {
        Fetch w = compile("req.payload", "1", "3");
        MapFacts facts = new MapFacts();
        ByteBuf in = buffer();
        ByteBuf view;
        try {
            in.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
            assertEquals(SniffResult.DONE, sniff(in, facts));
            view = (ByteBuf) w.sample(facts);
            in.setZero(in.readerIndex(), in.readableBytes());
        } finally {
            in.release();
        }
        assertTrue(view.isReadOnly());
        assertEquals(0, view.readerIndex());
        assertEquals("030102", ByteBufUtil.hexDump(view));
        assertThrows(RuntimeException.class, () -> view.setByte(0, 0));
        assertSame(view, w.sample(facts), "the same view for every evaluation: nothing allocated per sample");
    }

    @Test
    void reqLenIsZeroWhenInspectionEndedWithoutBytes() throws ConfigException {
        Fetch len = compile("req.len");
        Fetch window = compile("req.payload", "0", "1");
        MapFacts facts = new MapFacts();
        assertNull(len.sample(facts));
        facts.endInspection();
        assertEquals(0L, len.sample(facts), "req.len 0: the client sent nothing within the inspect delay");
        assertNull(window.sample(facts), "no bytes: no window");
    }

    @Test
    void lengthZeroIsEmptyAtExactlyOffsetBytesAndCappedAtMaxLength() throws ConfigException {
        Fetch tail = compile("req.payload", "2", "0");
        MapFacts facts = new MapFacts();
        ByteBuf in = buffer();
        try {
            in.writeBytes(new byte[] {1, 2});
            assertEquals(SniffResult.NEED_MORE, sniff(in, facts));
            ByteBuf empty = (ByteBuf) tail.sample(facts);
            assertNotNull(empty, "HAProxy: an empty sample, not a missing one");
            assertEquals(0, empty.readableBytes());
            in.writeZero(PayloadWindows.MAX_LENGTH + 500);
            assertEquals(SniffResult.NEED_MORE, sniff(in, facts));
            assertEquals(PayloadWindows.MAX_LENGTH, ((ByteBuf) tail.sample(facts)).readableBytes());
        } finally {
            in.release();
        }
    }

    @Test
    void windowsBeyondTheBytesStayUnknown() throws ConfigException {
        Fetch far = compile("req.payload", "100", "4");
        MapFacts facts = new MapFacts();
        ByteBuf in = buffer();
        try {
            in.writeBytes(new byte[103]);
            assertEquals(SniffResult.NEED_MORE, sniff(in, facts));
            assertNull(far.sample(facts));
            in.writeByte(7);
            assertEquals(SniffResult.DONE, sniff(in, facts));
            assertEquals("00000007", ByteBufUtil.hexDump((ByteBuf) far.sample(facts)));
        } finally {
            in.release();
        }
    }

    // ---------------------------------------------------------------- lifetime of windows

    private static boolean collect(WeakReference<?> ref) {
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ref.get() == null;
    }

    /**
     * A window no compiled configuration holds any more is forgotten: it stops inflating the peek
     * limit, and its slot may go to another window without an old connection ever reading the
     * wrong bytes from it.
     */
    @Test
    void forgottenWindowsFreeTheirSlotSafely() throws ConfigException {
        Fetch kept = compile("req.payload", "0", "2");
        WeakReference<Fetch> dropped = new WeakReference<>(compile("req.payload", "500", "4"));
        assertEquals(504, sniffer.peekLimit());
        PayloadWindows.Layout before = sniffer.windows().layout();
        assumeTrue(collect(dropped), "the JVM did not collect the dropped window");

        assertEquals(2, sniffer.peekLimit(), "the dropped window no longer counts");
        assertEquals(1, sniffer.windows().size());
        Fetch reused = compile("req.payload", "0", "3");
        assertEquals(((PayloadFetch) reused).slot, 1, "the freed slot is reused");

        // A connection that started with the old layout: slot 1 was (500,4) there.
        MapFacts facts = new MapFacts();
        ByteBuf in = buffer();
        try {
            in.writeBytes(new byte[600]);
            PayloadState state = new PayloadState(before);
            facts.put(PayloadState.KEY, state);
            state.update(in);
        } finally {
            in.release();
        }
        assertNull(reused.sample(facts), "a reused slot never yields another window's bytes");
        assertEquals("0000", ByteBufUtil.hexDump((ByteBuf) kept.sample(facts)));
    }
}
