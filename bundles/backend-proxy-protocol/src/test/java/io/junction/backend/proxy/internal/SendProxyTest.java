package io.junction.backend.proxy.internal;

import static io.junction.backend.proxy.internal.Headers.ascii;
import static io.junction.backend.proxy.internal.Headers.concat;
import static io.junction.backend.proxy.internal.Headers.tlv;
import static io.junction.backend.proxy.internal.Headers.v2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.ServerOption;
import io.junction.api.WellKnownFacts;
import io.junction.api.Words;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The send side: server lines parsed as the core parses them (one {@link ConfigContext} and one
 * {@link Words} per line, every option's {@code connected} called in stage order on an
 * {@link EmbeddedChannel} standing for the outbound connection). The bytes written are compared
 * with vectors built by hand from the spec (see {@link Headers}) and decoded back with Netty's
 * {@link HAProxyMessageDecoder}.
 */
class SendProxyTest {

    private final SendProxyProvider provider = new SendProxyProvider();
    private final EmbeddedChannel out = new EmbeddedChannel();

    @AfterEach
    void release() {
        out.finishAndReleaseAll();
    }

    /** A server line's words after the address, as the core hands them to option parsers. */
    static final class LineWords implements Words {
        private final List<String> words;
        private int index;

        LineWords(String line) {
            this.words = line.isEmpty() ? List.of() : Arrays.asList(line.split(" "));
        }

        @Override
        public boolean hasNext() {
            return index < words.size();
        }

        @Override
        public String peek() {
            return hasNext() ? words.get(index) : null;
        }

        @Override
        public String next(String what) throws ConfigException {
            if (!hasNext()) {
                throw new ConfigException("missing " + what);
            }
            return words.get(index++);
        }
    }

    static ConfigContext context() {
        return new ConfigContext() {
            @Override
            public String location() {
                return "test.cfg:9";
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
    }

    /** Parses the options of one server line, as the core does, and sorts them by stage. */
    private List<ServerOption> line(String options) throws ConfigException {
        ConfigContext context = context();
        LineWords words = new LineWords(options);
        List<ServerOption> parsed = new ArrayList<>();
        while (words.hasNext()) {
            String keyword = words.next("keyword");
            parsed.add(provider.parse(keyword, words, context));
        }
        parsed.sort((a, b) -> Integer.compare(a.stage(), b.stage()));
        return parsed;
    }

    /**
     * Runs the connect-time part of the options on a new outbound channel (one connection) and
     * returns every byte written on it.
     */
    private static byte[] connect(List<ServerOption> options, TestFacts facts) {
        EmbeddedChannel connection = new EmbeddedChannel();
        try {
            for (ServerOption option : options) {
                assertEquals(ServerOption.STAGE_PREFIX, option.stage());
                option.connected(connection, facts);
            }
            assertNull(connection.pipeline().get(ProxyHeaderWriter.ENCODER), "encoder removed after the write");
            assertNull(connection.pipeline().get(ProxyHeaderWriter.CRC), "crc patcher removed after the write");
            connection.flushOutbound();
            return written(connection);
        } finally {
            connection.finishAndReleaseAll();
            connection.checkException();
        }
    }

    private static byte[] written(EmbeddedChannel channel) {
        byte[] all = new byte[0];
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            all = concat(all, ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return all;
    }

    /** Decodes {@code bytes} with Netty's decoder; the caller releases the message. */
    private static HAProxyMessage decode(byte[] bytes) {
        EmbeddedChannel in = new EmbeddedChannel(new HAProxyMessageDecoder());
        in.writeInbound(in.alloc().buffer().writeBytes(bytes));
        HAProxyMessage message = in.readInbound();
        in.finishAndReleaseAll();
        return message;
    }

    // ------------------------------------------------------------------ v1

    @Test
    void v1Ipv4IsTheSpecExample() throws Exception {
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        byte[] bytes = connect(line("send-proxy"), facts);
        assertArrayEquals(ascii(Headers.V1_EXAMPLE), bytes, new String(bytes));
        HAProxyMessage m = decode(bytes);
        try {
            assertEquals(HAProxyProtocolVersion.V1, m.protocolVersion());
            assertEquals("192.168.0.1", m.sourceAddress());
            assertEquals(56324, m.sourcePort());
        } finally {
            m.release();
        }
    }

    @Test
    void v1Ipv6UsesTheCompressedCanonicalForm() throws Exception {
        TestFacts facts = TestFacts.of("2001:db8:0:0:0:0:0:77", 40000, "2001:0db8::1", 8443);
        byte[] bytes = connect(line("send-proxy"), facts);
        assertEquals("PROXY TCP6 2001:db8::77 2001:db8::1 40000 8443\r\n", new String(bytes));
        HAProxyMessage m = decode(bytes);
        try {
            assertEquals(HAProxyProxiedProtocol.TCP6, m.proxiedProtocol());
        } finally {
            m.release();
        }
    }

    @Test
    void v1MixedFamiliesSendUnknownNeverAMappedAddress() throws Exception {
        long before = ProxyCounters.SENT_UNKNOWN.sum();
        TestFacts facts = TestFacts.of("198.51.100.9", 1234, "2001:db8::1", 443);
        assertEquals("PROXY UNKNOWN\r\n", new String(connect(line("send-proxy"), facts)));
        assertEquals(before + 1, ProxyCounters.SENT_UNKNOWN.sum());
    }

    // ------------------------------------------------------------------ v2

    @Test
    void v2Ipv4MatchesTheSpecStruct() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        byte[] bytes = connect(line("send-proxy-v2"), facts);
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, null), bytes);
        assertEquals(16 + 12, bytes.length, "no TLV unless configured");
        HAProxyMessage m = decode(bytes);
        try {
            assertEquals(HAProxyProtocolVersion.V2, m.protocolVersion());
            assertEquals(HAProxyCommand.PROXY, m.command());
            assertEquals(HAProxyProxiedProtocol.TCP4, m.proxiedProtocol());
            assertEquals("203.0.113.7", m.sourceAddress());
            assertEquals("192.0.2.1", m.destinationAddress());
            assertEquals(40001, m.sourcePort());
            assertEquals(443, m.destinationPort());
            assertTrue(m.tlvs().isEmpty());
        } finally {
            m.release();
        }
    }

    @Test
    void v2Ipv6MatchesTheSpecStruct() throws Exception {
        TestFacts facts = TestFacts.of("2001:db8::77", 65535, "2001:db8::1", 8443);
        byte[] bytes = connect(line("send-proxy-v2"), facts);
        assertArrayEquals(v2(0x21, 0x21, "2001:db8::77", "2001:db8::1", 65535, 8443, null), bytes);
        HAProxyMessage m = decode(bytes);
        try {
            assertEquals(HAProxyProxiedProtocol.TCP6, m.proxiedProtocol());
            assertEquals(65535, m.sourcePort());
        } finally {
            m.release();
        }
    }

    @Test
    void v2MixedFamiliesSendLocalWithoutAddresses() throws Exception {
        TestFacts facts = TestFacts.of("2001:db8::77", 1, "192.0.2.1", 443);
        byte[] bytes = connect(line("send-proxy-v2 proxy-v2-options authority"), facts);
        assertArrayEquals(concat(Headers.SIGNATURE, new byte[] {0x20, 0x00, 0x00, 0x00}), bytes);
    }

    @Test
    void v2TlvsOnlyWhenConfiguredAndKnown() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        facts.put(WellKnownFacts.TLS_SNI, "app1.example.com");
        facts.put(WellKnownFacts.TLS_ALPN, List.of("h2", "http/1.1"));

        byte[] plain = connect(line("send-proxy-v2"), facts);
        assertEquals(16 + 12, plain.length, "send-proxy-v2 alone: no TLV even when SNI and ALPN are known");

        byte[] authority = connect(line("send-proxy-v2 proxy-v2-options authority"), facts);
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443,
                tlv(0x02, ascii("app1.example.com"))), authority);

        byte[] both = connect(line("proxy-v2-options authority,alpn send-proxy-v2"), facts);
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443,
                concat(tlv(0x01, ascii("h2")), tlv(0x02, ascii("app1.example.com")))), both,
                "HAProxy's order: ALPN, then AUTHORITY, whatever the order on the line");
        HAProxyMessage m = decode(both);
        try {
            assertEquals(2, m.tlvs().size());
            assertEquals(HAProxyTLV.Type.PP2_TYPE_ALPN, m.tlvs().get(0).type());
            assertEquals("app1.example.com",
                    m.tlvs().get(1).content().toString(java.nio.charset.StandardCharsets.US_ASCII));
        } finally {
            m.release();
        }
    }

    @Test
    void v2TlvsAreLeftOutWhenTheFactIsUnknown() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        byte[] bytes = connect(line("send-proxy-v2 proxy-v2-options authority,alpn"), facts);
        assertEquals(16 + 12, bytes.length);
    }

    @Test
    void v2AuthorityLongerThan255BytesIsLeftOut() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        facts.put(WellKnownFacts.TLS_SNI, "a".repeat(256));
        assertEquals(16 + 12, connect(line("send-proxy-v2 proxy-v2-options authority"), facts).length);
    }

    @Test
    void sendProxyV2SslAddsTheSslTlv() throws Exception {
        TestFacts passthrough = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        byte[] bytes = connect(line("send-proxy-v2-ssl"), passthrough);
        // struct pp2_tlv_ssl { uint8_t client; uint32_t verify; } (spec 2.2.6), no sub-TLV
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443,
                tlv(0x20, new byte[] {0, 0, 0, 0, 0})), bytes);

        TestFacts terminated = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443).tlsTerminated(true);
        HAProxyMessage m = decode(connect(line("send-proxy-v2-ssl"), terminated));
        try {
            HAProxySSLTLV ssl = (HAProxySSLTLV) m.tlvs().get(0);
            assertTrue(ssl.isPP2ClientSSL());
            assertEquals(0, ssl.verify());
        } finally {
            m.release();
        }
    }

    @Test
    void crc32cIsTheChecksumOfTheHeaderWithTheFieldAtZero() throws Exception {
        TestFacts facts = TestFacts.of("2001:db8::77", 40001, "2001:db8::1", 443);
        facts.put(WellKnownFacts.TLS_SNI, "app1.example.com");
        byte[] bytes = connect(line("send-proxy-v2 proxy-v2-options crc32c,authority"), facts);
        int offset = 16 + 36;
        assertEquals(0x03, bytes[offset], "CRC32C TLV first, as HAProxy sends it");
        assertEquals(4, bytes[offset + 2]);
        int sent = java.nio.ByteBuffer.wrap(bytes, offset + 3, 4).getInt();
        byte[] zeroed = bytes.clone();
        Arrays.fill(zeroed, offset + 3, offset + 7, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(zeroed);
        assertEquals((int) crc.getValue(), sent);
        assertTrue(sent != 0);
        HAProxyMessage m = decode(bytes);
        try {
            assertEquals(2, m.tlvs().size());
        } finally {
            m.release();
        }
    }

    // ------------------------------------------------------------------ composition

    @Test
    void sendProxyAndSendProxyV2OnOneLineSendOneV2Header() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        byte[] bytes = connect(line("send-proxy send-proxy-v2"), facts);
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, null), bytes);
    }

    @Test
    void proxyV2OptionsAloneSendsNothing() throws Exception {
        TestFacts facts = TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443);
        assertEquals(0, connect(line("proxy-v2-options authority"), facts).length);
    }

    @Test
    void v1IgnoresV2Options() throws Exception {
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        facts.put(WellKnownFacts.TLS_SNI, "app1.example.com");
        assertArrayEquals(ascii(Headers.V1_EXAMPLE), connect(line("send-proxy proxy-v2-options authority"), facts));
    }

    @Test
    void eachLineIsItsOwnHeader() throws Exception {
        List<ServerOption> first = line("send-proxy");
        List<ServerOption> second = line("send-proxy-v2");
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        assertArrayEquals(ascii(Headers.V1_EXAMPLE), connect(first, facts));
        assertArrayEquals(v2(0x21, 0x11, "192.168.0.1", "192.168.0.11", 56324, 443, null), connect(second, facts));
    }

    @Test
    void everyConnectionGetsItsHeader() throws Exception {
        List<ServerOption> options = line("send-proxy");
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ascii(Headers.V1_EXAMPLE), connect(options, facts), "connection " + i);
        }
    }

    @Test
    void neverTwoHeadersOnOneConnection() throws Exception {
        // Two lines' writers applied to one channel (as if a core split a line's contexts).
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        List<ServerOption> both = new ArrayList<>(line("send-proxy"));
        both.addAll(line("send-proxy"));
        assertArrayEquals(ascii(Headers.V1_EXAMPLE), connect(both, facts));
    }

    @Test
    void headerPrecedesWhatALaterStageWrites() throws Exception {
        TestFacts facts = TestFacts.of("192.168.0.1", 56324, "192.168.0.11", 443);
        for (ServerOption option : line("send-proxy")) {
            option.connected(out, facts);
        }
        // A STAGE_WRAP option such as TLS adds its handler afterwards, which writes at once
        // (an SslHandler sends its ClientHello from handlerAdded); then the core replays.
        out.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(ascii("<hello>")));
            }
        });
        out.writeAndFlush(out.alloc().buffer().writeBytes(ascii("client bytes")));
        byte[] all = written(out);
        assertEquals(Headers.V1_EXAMPLE + "<hello>client bytes", new String(all));
    }

    @Test
    void writerLeavesNoHandlerBehind() throws Exception {
        List<String> before = out.pipeline().names();
        for (ServerOption option : line("send-proxy-v2 proxy-v2-options crc32c")) {
            option.connected(out, TestFacts.of("203.0.113.7", 1, "192.0.2.1", 2));
        }
        assertEquals(before, out.pipeline().names());
        out.flushOutbound();
        assertEquals(16 + 12 + 7, written(out).length);
    }

    // ------------------------------------------------------------------ parsing

    @Test
    void badOptions() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> line("send-proxy-v2 proxy-v2-options authority,bogus"));
        assertTrue(unknown.getMessage().contains("'bogus'"), unknown.getMessage());
        assertThrows(ConfigException.class, () -> line("send-proxy-v2 proxy-v2-options unique-id"));
        assertThrows(ConfigException.class, () -> line("send-proxy-v2 proxy-v2-options"));
        assertThrows(ConfigException.class, () -> line("send-proxy-v2 proxy-v2-options authority,,alpn"));
        assertThrows(ConfigException.class, () -> provider.parse("send-proxy-v3", new LineWords(""), context()));
    }

    @Test
    void certificateOptionsAreAcceptedAndImplySsl() throws Exception {
        List<ServerOption> options = line("send-proxy-v2 proxy-v2-options cert-cn,ssl-cipher");
        byte[] bytes = connect(options, TestFacts.of("203.0.113.7", 40001, "192.0.2.1", 443));
        assertArrayEquals(v2(0x21, 0x11, "203.0.113.7", "192.0.2.1", 40001, 443, tlv(0x20, new byte[5])), bytes);
        List<ServerOption> cn = line("send-proxy-v2-ssl-cn");
        SendProxyProvider.HeaderOption option = (SendProxyProvider.HeaderOption) cn.get(0);
        assertEquals(ProxyHeaderWriter.V2 | ProxyHeaderWriter.SSL, option.bits());
    }

    @Test
    void optionsConsumeOnlyTheirOwnWords() throws Exception {
        LineWords words = new LineWords("proxy-v2-options authority check weight 0");
        ConfigContext context = context();
        provider.parse(words.next("keyword"), words, context);
        assertEquals("check", words.peek());
        words = new LineWords("send-proxy check");
        provider.parse(words.next("keyword"), words, context());
        assertEquals("check", words.peek());
    }

    @Test
    void onlyTheFirstOptionOfALineWrites() throws Exception {
        List<ServerOption> options = line("send-proxy-v2 proxy-v2-options authority send-proxy");
        assertTrue(((SendProxyProvider.HeaderOption) options.get(0)).writes());
        assertFalse(((SendProxyProvider.HeaderOption) options.get(1)).writes());
        assertFalse(((SendProxyProvider.HeaderOption) options.get(2)).writes());
        assertEquals(ProxyHeaderWriter.V1 | ProxyHeaderWriter.V2 | ProxyHeaderWriter.AUTHORITY,
                ((SendProxyProvider.HeaderOption) options.get(2)).bits());
    }
}
