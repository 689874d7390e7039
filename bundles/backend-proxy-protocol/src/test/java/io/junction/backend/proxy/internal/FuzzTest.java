package io.junction.backend.proxy.internal;

import static io.junction.backend.proxy.internal.Headers.ascii;
import static io.junction.backend.proxy.internal.Headers.concat;
import static io.junction.backend.proxy.internal.Headers.tlv;
import static io.junction.backend.proxy.internal.Headers.v2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzz-style: thousands of random inputs (seeded, so any failure reproduces) through the accept
 * side, in random fragments. Whatever arrives, nothing may throw out of the pipeline, every
 * connection must end either accepted (one InspectionReady, the exact bytes after the header) or
 * closed with nothing passed on, and nothing may leak (the testkit's leak guard checks after the
 * class, with paranoid leak detection).
 */
class FuzzTest {
    private static final long SEED = 0x50524F5859L; // "PROXY"

    private static List<byte[]> validHeaders() throws Exception {
        return List.of(
                ascii(Headers.V1_EXAMPLE),
                ascii("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n"),
                ascii("PROXY UNKNOWN\r\n"),
                v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, null),
                v2(0x21, 0x21, "2001:db8::77", "2001:db8::1", 1, 2, concat(tlv(0x02, ascii("a.example")), tlv(0x01, ascii("h2")))),
                v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443,
                        tlv(0x20, concat(new byte[] {1, 0, 0, 0, 0}, tlv(0x21, ascii("TLSv1.3"))))),
                v2(0x20, 0x00, null, null, 0, 0, null));
    }

    /** Outcome of one connection. */
    private record Outcome(boolean open, int ready, byte[] passed) {
    }

    private static Outcome run(byte[] input, Random random) {
        Recorder recorder = new Recorder();
        EmbeddedChannel channel = new EmbeddedChannel(recorder);
        ProxyHeaderReceiver.install(channel, new TestFacts(), "accept-proxy");
        int i = 0;
        while (i < input.length && channel.isOpen()) {
            int n = Math.min(input.length - i, 1 + random.nextInt(random.nextBoolean() ? 8 : 300));
            ByteBuf buf = channel.alloc().buffer(n).writeBytes(input, i, n);
            channel.writeInbound(buf);
            channel.checkException();
            i += n;
        }
        boolean open = channel.isOpen();
        if (random.nextBoolean()) {
            channel.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            channel.checkException();
        }
        channel.finishAndReleaseAll(); // closes: a pending header is counted as truncated
        channel.checkException();
        assertFalse(recorder.events.stream().anyMatch(e -> e.startsWith("exception")), recorder.events.toString());
        assertTrue(recorder.ready <= 1);
        assertEquals(0, recorder.bytesBeforeReady, "bytes before InspectionReady");
        return new Outcome(open, recorder.ready, recorder.received());
    }

    @Test
    void randomBytesNeverThrowNorLeak() {
        Random random = new Random(SEED);
        for (int round = 0; round < 2000; round++) {
            byte[] input = new byte[random.nextInt(400)];
            random.nextBytes(input);
            if (round % 4 == 1 && input.length > 0) {
                input[0] = 'P'; // start like v1 so the decoder, not just the guard, gets exercised
            } else if (round % 4 == 2 && input.length >= 13) {
                System.arraycopy(Headers.SIGNATURE, 0, input, 0, 12);
                input[12] = 0x21;
            }
            Outcome o = run(input, random);
            if (o.ready() == 0) {
                assertEquals(0, o.passed().length, "round " + round + ": bytes passed on without a header");
            }
        }
    }

    @Test
    void truncatedValidHeadersAreClosedAndCompleteOnesAccepted() throws Exception {
        Random random = new Random(SEED + 1);
        List<byte[]> headers = validHeaders();
        for (int round = 0; round < 2000; round++) {
            byte[] header = headers.get(random.nextInt(headers.size()));
            byte[] payload = new byte[random.nextInt(64)];
            random.nextBytes(payload);
            int cut = random.nextInt(header.length + 1);
            if (cut == header.length) {
                Outcome o = run(concat(header, payload), random);
                assertEquals(1, o.ready(), "round " + round + ": complete header");
                assertArrayEquals(payload, o.passed(), "round " + round + ": payload untouched");
            } else {
                Outcome o = run(Arrays.copyOf(header, cut), random);
                assertEquals(0, o.ready(), "round " + round + ": truncated at " + cut + " of " + header.length);
                assertEquals(0, o.passed().length);
            }
        }
    }

    @Test
    void mutatedValidHeadersNeverThrowNorLeak() throws Exception {
        Random random = new Random(SEED + 2);
        List<byte[]> headers = validHeaders();
        for (int round = 0; round < 2000; round++) {
            byte[] input = concat(headers.get(random.nextInt(headers.size())), ascii("payload"));
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                input[random.nextInt(input.length)] = (byte) random.nextInt(256);
            }
            Outcome o = run(input, random);
            if (o.ready() == 0) {
                assertEquals(0, o.passed().length, "round " + round);
            }
        }
    }
}
