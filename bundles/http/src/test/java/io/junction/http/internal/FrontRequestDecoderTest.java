package io.junction.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder alone on an {@link EmbeddedChannel}, fed whole, in 1-byte and in 50-byte
 * fragments: one request at a time, strict heads, head-start notifications.
 */
class FrontRequestDecoderTest {

    private int headStarts;
    private int heldReports;

    private EmbeddedChannel channel() {
        HttpDecoderConfig config = new HttpDecoderConfig().setMaxInitialLineLength(8192).setMaxHeaderSize(32768)
                .setStrictLineParsing(true).setValidateHeaders(true).setAllowDuplicateContentLengths(false);
        return new EmbeddedChannel(new FrontRequestDecoder(config, new FrontRequestDecoder.Listener() {
            @Override
            public void headStarted() {
                headStarts++;
            }

            @Override
            public void inputWhilePaused() {
                heldReports++;
            }
        }));
    }

    private static FrontRequestDecoder decoder(EmbeddedChannel ch) {
        return ch.pipeline().get(FrontRequestDecoder.class);
    }

    private static void feed(EmbeddedChannel ch, String text, int fragment) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += fragment) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(fragment, bytes.length - i)));
        }
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    private static String content(List<Object> objects) {
        StringBuilder sb = new StringBuilder();
        for (Object o : objects) {
            if (o instanceof HttpContent c) {
                sb.append(c.content().toString(StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    private static void release(List<Object> objects) {
        objects.forEach(ReferenceCountUtil::release);
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, 1, 50})
    void bodyWaitsUntilResumedAfterTheHead(int fragment) {
        EmbeddedChannel ch = channel();
        feed(ch, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", fragment);
        List<Object> head = drain(ch);
        assertEquals(1, head.size(), "only the head before resumeBody: " + head);
        HttpRequest r = assertInstanceOf(HttpRequest.class, head.get(0));
        assertTrue(r.decoderResult().isSuccess());
        assertEquals("/a", r.uri());

        decoder(ch).resumeBody();
        List<Object> body = drain(ch);
        assertEquals("hello", content(body));
        assertInstanceOf(LastHttpContent.class, body.get(body.size() - 1));
        release(body);
        assertEquals(1, headStarts);
        assertFalse(ch.finish());
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, 1, 50})
    void pipelinedRequestsComeOneAtATime(int fragment) {
        EmbeddedChannel ch = channel();
        feed(ch, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", fragment);
        List<Object> first = drain(ch);
        assertEquals(2, first.size(), first.toString());
        assertEquals("/1", ((HttpRequest) first.get(0)).uri());
        assertInstanceOf(LastHttpContent.class, first.get(1));
        decoder(ch).resumeBody(); // no effect after the end of a request
        assertNull(ch.readInbound());

        decoder(ch).resumeNext();
        List<Object> second = drain(ch);
        assertEquals(2, second.size(), second.toString());
        assertEquals("/2", ((HttpRequest) second.get(0)).uri());
        assertEquals(2, headStarts);
        assertFalse(ch.finish());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n 2\r\n\r\n"),
                Arguments.of("obs-fold with tab", "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n\t2\r\n\r\n"),
                Arguments.of("tab separator", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("two spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("bare LF", "GET / HTTP/1.1\nHost: x\n\n"),
                Arguments.of("bare LF in a field", "GET / HTTP/1.1\r\nHost: x\nA: b\r\n\r\n"),
                Arguments.of("CR in a value", "GET / HTTP/1.1\r\nHost: x\rA: b\r\n\r\n"),
                Arguments.of("name with space", "GET / HTTP/1.1\r\nA B: x\r\n\r\n"),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
                Arguments.of("empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n"),
                Arguments.of("NUL in a value", "GET / HTTP/1.1\r\nA: x\u0000y\r\n\r\n"),
                Arguments.of("version", "GET / HTTQ/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("no version", "GET /\r\nHost: x\r\n\r\n"),
                Arguments.of("non-ASCII target", "GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("CL and TE", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("two CL", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
                Arguments.of("two CL in 1.0", "POST / HTTP/1.0\r\nContent-Length: 3\r\nCONTENT-LENGTH: 4\r\n\r\nabcd"),
                Arguments.of("CL list", "POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd"),
                Arguments.of("negative CL", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of("TE not chunked last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
                Arguments.of("TE in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedHeadsBecomeAFailedRequestAndNothingElse(String what, String raw) {
        for (int fragment : new int[] {Integer.MAX_VALUE, 1, 50}) {
            EmbeddedChannel ch = channel();
            feed(ch, raw + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n", fragment);
            List<Object> out = drain(ch);
            assertFalse(out.isEmpty(), what + " / " + fragment);
            HttpRequest r = assertInstanceOf(HttpRequest.class, out.get(0), what);
            assertTrue(r.decoderResult().isFailure(), what + " / fragment " + fragment + " was accepted");
            release(out);
            decoder(ch).resumeBody();
            decoder(ch).resumeNext();
            List<Object> after = drain(ch);
            for (Object o : after) {
                assertFalse(o instanceof HttpRequest req && req.decoderResult().isSuccess(),
                        what + ": a request was decoded after a malformed head");
            }
            release(after);
            ch.finishAndReleaseAll();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, 1, 50})
    void wellFormedVariantsAreAccepted(int fragment) {
        String[] ok = {
            "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", // an empty line before the request line (RFC 9112 2.2)
            "GET /a?b=c%20d HTTP/1.0\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
            "GET http://x/y HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        };
        for (String raw : ok) {
            EmbeddedChannel ch = channel();
            feed(ch, raw, fragment);
            List<Object> out = drain(ch);
            HttpRequest r = assertInstanceOf(HttpRequest.class, out.get(0), raw);
            assertTrue(r.decoderResult().isSuccess(), raw + ": " + r.decoderResult());
            release(out);
            assertFalse(ch.finish());
        }
    }

    @org.junit.jupiter.api.Test
    void injectedBytesAreDecodedLikeARead() throws Exception {
        EmbeddedChannel ch = channel();
        ByteBuf initial = Unpooled.copiedBuffer("GET /i HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII);
        decoder(ch).inject(initial);
        List<Object> out = drain(ch);
        assertEquals("/i", ((HttpRequest) out.get(0)).uri());
        assertEquals(0, initial.refCnt());
        release(out);
        assertFalse(ch.finish());
    }

    /**
     * Bytes that arrive while a request is being served (pipelining) are reported, so that the
     * handler stops reading the client: the decoder holds at most what was read until then.
     */
    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, 1, 50})
    void bytesWhilePausedAreReportedAndHeldUntilResumed(int fragment) {
        EmbeddedChannel ch = channel();
        feed(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", Integer.MAX_VALUE);
        List<Object> first = drain(ch);
        assertEquals(2, first.size(), "a GET's head and its empty end, then a pause: " + first);
        assertEquals(0, heldReports, "nothing held yet");
        feed(ch, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", fragment);
        assertTrue(heldReports >= 1, "the pipelined request was reported");
        assertTrue(drain(ch).isEmpty(), "and held while the first is served");
        decoder(ch).resumeNext();
        List<Object> second = drain(ch);
        assertEquals("/b", ((HttpRequest) second.get(0)).uri());
        release(first);
        release(second);
        assertFalse(ch.finish());
    }
}
