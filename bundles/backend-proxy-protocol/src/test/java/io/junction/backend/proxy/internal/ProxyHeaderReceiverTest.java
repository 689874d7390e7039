package io.junction.backend.proxy.internal;

import static io.junction.backend.proxy.internal.Headers.ascii;
import static io.junction.backend.proxy.internal.Headers.concat;
import static io.junction.backend.proxy.internal.Headers.tlv;
import static io.junction.backend.proxy.internal.Headers.v2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.backend.proxy.internal.ProxyCounters.Received;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The accept side on an {@link EmbeddedChannel}: the PROXY handlers installed as
 * {@code accept-proxy} installs them, with a {@link Recorder} where the core's handler would be.
 * Headers are fed whole and in 1- and 7-byte fragments, followed by payload that must come out
 * untouched after {@code InspectionReady}; bad input must close the connection, be counted
 * under its reason and never throw out of the pipeline. The testkit's leak guard fails the class
 * on any leaked buffer.
 */
class ProxyHeaderReceiverTest {

    static final byte[] PAYLOAD = ascii("GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n");

    private final Recorder recorder = new Recorder();
    private final TestFacts facts = new TestFacts();
    private final EmbeddedChannel channel = new EmbeddedChannel(recorder);

    ProxyHeaderReceiverTest() {
        // The embedded loop's clock moves only when a test says so: the timeout test is exact.
        channel.freezeTime();
        ProxyHeaderReceiver.install(channel, facts, "accept-proxy");
    }

    /** Feeds {@code bytes} in chunks of {@code chunk} bytes (0: whole), stopping once the channel closed. */
    private void feed(byte[] bytes, int chunk) {
        int step = chunk <= 0 ? Math.max(1, bytes.length) : chunk;
        for (int i = 0; i < bytes.length && channel.isOpen(); i += step) {
            int n = Math.min(step, bytes.length - i);
            ByteBuf buf = channel.alloc().buffer(n).writeBytes(bytes, i, n);
            channel.writeInbound(buf);
            channel.checkException();
        }
    }

    private static InetSocketAddress at(String address, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), port);
    }

    private void assertAccepted(byte[] payload) {
        assertTrue(channel.isOpen(), "connection stays open");
        assertEquals(1, recorder.ready, "one InspectionReady");
        assertEquals(0, recorder.bytesBeforeReady, "no byte reaches the core before InspectionReady");
        assertArrayEquals(payload, recorder.received(), "the bytes after the header, untouched");
        assertFalse(ProxyHeaderReceiver.installedIn(channel.pipeline()), "no PROXY handler left: " + channel.pipeline().names());
        assertFalse(recorder.events.stream().anyMatch(e -> e.startsWith("exception")), recorder.events.toString());
    }

    private void assertRejected(Received reason, long before) {
        channel.checkException();
        assertFalse(channel.isOpen(), "connection closed");
        assertEquals(0, recorder.ready, "no InspectionReady");
        assertEquals(0, recorder.received().length, "no byte reaches the core");
        assertEquals(before + 1, reason.count.sum(), reason + " counted once");
        assertFalse(recorder.events.stream().anyMatch(e -> e.startsWith("exception")), recorder.events.toString());
    }

    // ------------------------------------------------------------------ valid headers

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {0, 1, 7})
    void v1Ipv4SpecExample(int chunk) throws Exception {
        long decoded = Received.DECODED.count.sum();
        feed(concat(ascii(Headers.V1_EXAMPLE), PAYLOAD), chunk);
        assertAccepted(PAYLOAD);
        assertEquals(at("192.168.0.1", 56324), facts.source());
        assertEquals(at("192.168.0.11", 443), facts.destination());
        assertEquals(decoded + 1, Received.DECODED.count.sum());
        assertEquals(List.of("ready", "bytes"), recorder.events);
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {0, 1, 7})
    void v1Ipv6(int chunk) throws Exception {
        feed(concat(ascii("PROXY TCP6 2001:db8::1 2001:db8:0:0:1::2 56324 443\r\n"), PAYLOAD), chunk);
        assertAccepted(PAYLOAD);
        assertEquals(at("2001:db8::1", 56324), facts.source());
        assertEquals(at("2001:db8::1:0:0:2", 443), facts.destination());
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {0, 1, 7})
    void v2Ipv4(int chunk) throws Exception {
        feed(concat(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, null), PAYLOAD), chunk);
        assertAccepted(PAYLOAD);
        assertEquals(at("203.0.113.7", 40001), facts.source());
        assertEquals(at("192.0.2.1", 443), facts.destination());
    }

    @ParameterizedTest(name = "chunks of {0}")
    @ValueSource(ints = {0, 1, 7})
    void v2Ipv6WithTlvs(int chunk) throws Exception {
        byte[] tlvs = concat(tlv(0x02, ascii("app1.example.com")), tlv(0x01, ascii("h2")), tlv(0xEA, new byte[] {1, 2, 3}));
        feed(concat(v2(0x21, 0x21, "2001:db8::77", "2001:db8::1", 65535, 8443, tlvs), PAYLOAD), chunk);
        assertAccepted(PAYLOAD);
        assertEquals(at("2001:db8::77", 65535), facts.source());
        assertEquals(at("2001:db8::1", 8443), facts.destination());
    }

    @Test
    void headerAloneThenPayloadLater() throws Exception {
        feed(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, null), 0);
        assertAccepted(new byte[0]);
        feed(PAYLOAD, 3);
        assertArrayEquals(PAYLOAD, recorder.received());
    }

    @Test
    void ipv4MappedAddressesInATcp6HeaderBecomeIpv4() throws Exception {
        // What an HAProxy upstream sends for an IPv4 client it saw on a dual-stack socket.
        feed(concat(ascii("PROXY TCP6 ::ffff:198.51.100.9 ::ffff:192.0.2.1 1234 443\r\n"), PAYLOAD), 0);
        assertAccepted(PAYLOAD);
        assertTrue(facts.source().getAddress() instanceof java.net.Inet4Address, facts.source().toString());
        assertEquals(at("198.51.100.9", 1234), facts.source());
    }

    @Test
    void v1UnknownKeepsTheSocketAddresses() throws Exception {
        InetSocketAddress before = facts.source();
        feed(concat(ascii("PROXY UNKNOWN\r\n"), PAYLOAD), 0);
        assertAccepted(PAYLOAD);
        assertEquals(before, facts.source());
        assertEquals(0, facts.overrides);
    }

    @Test
    void v1UnknownLongFormKeepsTheSocketAddresses() throws Exception {
        feed(concat(ascii("PROXY UNKNOWN ffff:f::1 ffff:f::2 65535 65535\r\n"), PAYLOAD), 1);
        assertAccepted(PAYLOAD);
        assertEquals(0, facts.overrides);
    }

    @Test
    void v2LocalKeepsTheSocketAddressesAndSkipsItsBlock() throws Exception {
        // Spec 2.2: "Receivers MUST always consider this field to skip the appropriate number of
        // bytes and must not assume zero is presented for LOCAL connections."
        feed(concat(v2(0x20, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, null), PAYLOAD), 7);
        assertAccepted(PAYLOAD);
        assertEquals(0, facts.overrides);
    }

    @Test
    void v2ProxyUnspecKeepsTheSocketAddresses() throws Exception {
        feed(concat(v2(0x21, 0x00, null, null, 0, 0, null), PAYLOAD), 0);
        assertAccepted(PAYLOAD);
        assertEquals(0, facts.overrides);
    }

    @Test
    void v2UdpKeepsTheSocketAddresses() throws Exception {
        feed(concat(v2(0x21, 0x12, "203.0.113.7", "192.0.2.1", 1, 2, null), PAYLOAD), 0);
        assertAccepted(PAYLOAD);
        assertEquals(0, facts.overrides);
    }

    @Test
    void acceptProxyAndExpectProxyReadOneHeaderAndOpenBothGates() throws Exception {
        ProxyHeaderReceiver.install(channel, facts, "expect-proxy");
        feed(concat(ascii(Headers.V1_EXAMPLE), PAYLOAD), 0);
        assertEquals(2, recorder.ready);
        assertArrayEquals(PAYLOAD, recorder.received());
        assertEquals(at("192.168.0.1", 56324), facts.source());
    }

    // ------------------------------------------------------------------ rejected

    @Test
    void plainHttpIsNotAProxyHeader() {
        long before = Received.NOT_PROXY.count.sum();
        feed(PAYLOAD, 0);
        assertRejected(Received.NOT_PROXY, before);
    }

    @Test
    void tlsClientHelloIsRejectedAtItsFirstByte() {
        long before = Received.NOT_PROXY.count.sum();
        feed(new byte[] {0x16}, 0);
        assertRejected(Received.NOT_PROXY, before);
    }

    @Test
    void wrongSecondByteOfV2Signature() {
        long before = Received.NOT_PROXY.count.sum();
        feed(new byte[] {0x0D, 0x0D}, 1);
        assertRejected(Received.NOT_PROXY, before);
    }

    @Test
    void v1PrefixWithoutItsSpace() {
        long before = Received.NOT_PROXY.count.sum();
        feed(ascii("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n"), 1);
        assertRejected(Received.NOT_PROXY, before);
    }

    @Test
    void v2UnknownCommand() throws Exception {
        long before = Received.BAD_COMMAND.count.sum();
        feed(v2(0x22, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, null), 0);
        assertRejected(Received.BAD_COMMAND, before);
    }

    @Test
    void v2OtherVersion() throws Exception {
        long before = Received.BAD_VERSION.count.sum();
        feed(v2(0x11, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, null), 0);
        assertRejected(Received.BAD_VERSION, before);
    }

    @Test
    void v2UnknownFamily() throws Exception {
        long before = Received.MALFORMED.count.sum();
        feed(v2(0x21, 0x41, "203.0.113.7", "192.0.2.1", 1, 2, null), 0);
        assertRejected(Received.MALFORMED, before);
    }

    @Test
    void v2AddressBlockShorterThanItsFamily() throws Exception {
        long before = Received.MALFORMED.count.sum();
        byte[] header = v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, null);
        header[15] = 5; // len 5 < 12: the header ends in the middle of the addresses
        feed(Arrays.copyOf(header, 16 + 5), 0);
        assertRejected(Received.MALFORMED, before);
    }

    @Test
    void v2TlvLongerThanTheHeader() throws Exception {
        long before = Received.MALFORMED.count.sum();
        byte[] badTlv = {0x02, 0x00, 0x40, 'a'}; // announces 64 bytes, carries 1
        feed(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, badTlv), 0);
        assertRejected(Received.MALFORMED, before);
    }

    @Test
    void v1Malformed() {
        long before = Received.MALFORMED.count.sum();
        feed(ascii("PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n"), 0);
        assertRejected(Received.MALFORMED, before);
    }

    @Test
    void v1WrongFamilyForItsAddresses() {
        long before = Received.MALFORMED.count.sum();
        feed(ascii("PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n"), 7);
        assertRejected(Received.MALFORMED, before);
    }

    @Test
    void v2OversizedIsRefusedFromItsLengthField() {
        long before = Received.OVERSIZED.count.sum();
        byte[] start = concat(Headers.SIGNATURE, new byte[] {0x21, 0x11, 0x10, 0x00}); // len 4096
        feed(start, 0);
        assertRejected(Received.OVERSIZED, before);
    }

    @Test
    void v2AtTheCapIsAccepted() throws Exception {
        int tlvBytes = ProxyHeaderReceiver.MAX_V2_HEADER_BYTES - 16 - 12 - 3;
        byte[] header = v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, tlv(0x04, new byte[tlvBytes])); // NOOP TLV
        assertEquals(ProxyHeaderReceiver.MAX_V2_HEADER_BYTES, header.length);
        feed(concat(header, PAYLOAD), 0);
        assertAccepted(PAYLOAD);
    }

    @Test
    void v2OneByteOverTheCapIsRefused() throws Exception {
        long before = Received.OVERSIZED.count.sum();
        int tlvBytes = ProxyHeaderReceiver.MAX_V2_HEADER_BYTES - 16 - 12 - 3 + 1;
        feed(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 1, 2, tlv(0x04, new byte[tlvBytes])), 0);
        assertRejected(Received.OVERSIZED, before);
    }

    @Test
    void v1LineWithoutCrlfIn107Bytes() {
        long before = Received.OVERSIZED.count.sum();
        byte[] line = new byte[200];
        Arrays.fill(line, (byte) '1');
        System.arraycopy(ascii("PROXY TCP4 "), 0, line, 0, 11);
        feed(line, 13);
        assertRejected(Received.OVERSIZED, before);
    }

    @Test
    void v1With107BytesIsAccepted() throws Exception {
        // Spec 2.1's worst case: "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", 107 chars.
        String full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] line = ascii("PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n");
        assertEquals(107, line.length);
        feed(concat(line, PAYLOAD), 0);
        assertAccepted(PAYLOAD);
    }

    @Test
    void v1LoneLfDoesNotEndTheLine() {
        long before = Received.MALFORMED.count.sum() + Received.OVERSIZED.count.sum();
        // Spec 2.1: "The receiver must not tolerate a single CR or LF character to end the line".
        feed(concat(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), PAYLOAD, ascii("\r\n")), 0);
        channel.checkException();
        assertFalse(channel.isOpen());
        assertEquals(0, recorder.ready);
        assertEquals(before + 1, Received.MALFORMED.count.sum() + Received.OVERSIZED.count.sum());
    }

    @Test
    void truncatedByClose() throws Exception {
        long before = Received.TRUNCATED.count.sum();
        feed(Arrays.copyOf(ascii(Headers.V1_EXAMPLE), 20), 0);
        assertTrue(channel.isOpen());
        channel.close();
        assertTrue(recorder.inactive, "the core still hears channelInactive");
        assertRejected(Received.TRUNCATED, before);
    }

    @Test
    void truncatedV2ByHalfClose() throws Exception {
        long before = Received.TRUNCATED.count.sum();
        byte[] header = v2(0x21, 0x21, "2001:db8::77", "2001:db8::1", 1, 2, null);
        feed(Arrays.copyOf(header, header.length - 1), 1);
        assertTrue(channel.isOpen());
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertRejected(Received.TRUNCATED, before);
        assertFalse(recorder.events.contains("event " + ChannelInputShutdownEvent.INSTANCE),
                "the half-close is not passed on as if the header were complete");
    }

    @Test
    void closedBeforeAnyByte() {
        long before = Received.EMPTY.count.sum();
        channel.close();
        assertRejected(Received.EMPTY, before);
    }

    @Test
    void timeoutClosesAnIncompleteHeader() {
        long before = Received.TIMEOUT.count.sum();
        feed(ascii("PROXY TCP4 192.168."), 0);
        channel.advanceTimeBy(ProxyHeaderReceiver.HEADER_TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "not before the timeout");
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertRejected(Received.TIMEOUT, before);
    }

    @Test
    void noTimeoutAfterTheHeader() {
        long before = Received.TIMEOUT.count.sum();
        feed(ascii(Headers.V1_EXAMPLE), 0);
        channel.advanceTimeBy(ProxyHeaderReceiver.HEADER_TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        assertEquals(before, Received.TIMEOUT.count.sum());
    }

    @Test
    void headerAfterTheCoreStoppedWaitingIsLate() {
        long before = Received.LATE.count.sum();
        feed(ascii("PROXY TCP4 192.168."), 0);
        facts.endInspection(); // the core's inspect delay elapsed and it decided without us
        feed(concat(ascii("0.1 192.168.0.11 56324 443\r\n"), PAYLOAD), 0);
        assertRejected(Received.LATE, before);
        assertEquals(0, facts.overrides);
    }

    @Test
    void socketErrorWhileWaiting() {
        long before = Received.ABORTED.count.sum();
        feed(ascii("PROXY "), 0);
        channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertRejected(Received.ABORTED, before);
    }
}
