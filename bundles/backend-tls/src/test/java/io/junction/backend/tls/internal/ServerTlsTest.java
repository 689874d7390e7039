package io.junction.backend.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import io.junction.api.ServerOption;
import io.junction.api.Words;
import io.junction.backend.tls.internal.TestPki.Identity;
import io.junction.backend.tls.internal.TestPki.KeyFormat;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS towards a server with real handshakes on loopback: a JDK TLS server stands for the
 * backend; the client side is a Netty channel that gets the compiled server options exactly as
 * the core's {@code ServerTarget.open} applies them (stage order, then waiting for the
 * handshake of the SslHandler an option added).
 */
class ServerTlsTest {
    /** The request's Host header, as the HTTP mode exposes it to {@code req.hdr(host)}. */
    static final FactKey<String> HOST = FactKey.of("test.host", String.class);

    private static EventLoopGroup group;
    private static TestPki pki;
    private static TestPki otherPki;
    private static Identity app1;
    private static Identity shared;
    private static Identity impostor;

    @TempDir
    Path dir;

    private final TlsServerProvider provider = new TlsServerProvider();

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        pki = TestPki.create("Backend CA");
        otherPki = TestPki.create("Other CA");
        app1 = pki.leaf(false, "app1.example.com");
        shared = pki.leaf(true, "app1.example.com", "app2.example.com");
        impostor = otherPki.leaf(false, "app1.example.com");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ------------------------------------------------------------------ harness

    /** Compiles a server line's options as the core does, then sorts them by stage. */
    private List<ServerOption> server(String options, ServerOption... extra) throws ConfigException {
        LineWords words = new LineWords(Arrays.asList(options.trim().split("\\s+")));
        ConfigContext ctx = context();
        List<ServerOption> out = new ArrayList<>(List.of(extra));
        while (words.hasNext()) {
            String keyword = words.next("a keyword");
            if (keyword.equals("weight")) {
                // The core's own keyword, ending the line as in the source article.
                words.next("a weight");
            } else {
                out.add(provider.parse(keyword, words, ctx));
            }
        }
        out.sort(Comparator.comparingInt(ServerOption::stage));
        return out;
    }

    private ConfigContext context() {
        return new ConfigContext() {
            @Override
            public String location() {
                return "test.cfg:7";
            }

            @Override
            public Path resolve(String path) {
                return dir.resolve(path);
            }

            @Override
            public Fetch fetch(String expression) throws ConfigException {
                if (expression.equals("req.hdr(host)")) {
                    return new Fetch() {
                        @Override
                        public SampleType type() {
                            return SampleType.STRING;
                        }

                        @Override
                        public Object sample(Facts facts) {
                            return facts.get(HOST);
                        }
                    };
                }
                throw new ConfigException(expression + ": no installed bundle serves this fetch");
            }
        };
    }

    static final class LineWords implements Words {
        private final List<String> words;
        private int index;

        LineWords(List<String> words) {
            this.words = words;
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

    /** What the relay stand-in read from the server. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<String> line = new CompletableFuture<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                text.append(b.toString(StandardCharsets.US_ASCII));
            } finally {
                b.release();
            }
            if (text.indexOf("\n") >= 0) {
                line.complete(text.toString());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            line.completeExceptionally(new IllegalStateException("closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The outcome of one connection attempt: like the core's open() future, then the first line. */
    record Outcome(Channel channel, Throwable failure, String line, String alpn) {
    }

    private Outcome connect(List<ServerOption> options, InetSocketAddress backend, Facts facts) throws Exception {
        Collector relay = new Collector();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false).handler(relay)
                .connect(backend).sync().channel();
        try {
            // The pipeline is inspected inside the same event-loop task: SslHandler reads on its own
            // to drive the handshake, so a refused handshake may close the channel (and empty the
            // pipeline) before a test thread could look at it.
            CompletableFuture<Throwable> applied = new CompletableFuture<>();
            CompletableFuture<SslHandler> added = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                try {
                    for (ServerOption o : options) {
                        o.connected(ch, facts);
                    }
                    added.complete(ch.pipeline().get(SslHandler.class));
                    assertEquals(ServerTls.HANDLER, ch.pipeline().names().get(0));
                    applied.complete(null);
                } catch (RuntimeException | AssertionError e) {
                    ch.close();
                    applied.complete(e);
                }
            });
            Throwable refused = applied.get(10, TimeUnit.SECONDS);
            if (refused instanceof AssertionError wrongOrder) {
                throw wrongOrder;
            }
            if (refused != null) {
                return new Outcome(ch, refused, null, null);
            }
            SslHandler tls = added.get(10, TimeUnit.SECONDS);
            assertNotNull(tls, "ssl adds an SslHandler");
            ch.read();
            if (!tls.handshakeFuture().await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("handshake did not complete");
            }
            if (!tls.handshakeFuture().isSuccess()) {
                ch.closeFuture().await(10, TimeUnit.SECONDS);
                return new Outcome(ch, tls.handshakeFuture().cause(), null, null);
            }
            ch.config().setAutoRead(true);
            try {
                return new Outcome(ch, null, relay.line.get(10, TimeUnit.SECONDS), tls.applicationProtocol());
            } catch (java.util.concurrent.ExecutionException e) {
                // TLS 1.3: the server may refuse us (a client certificate) after our side finished.
                return new Outcome(ch, e.getCause(), null, tls.applicationProtocol());
            }
        } finally {
            ch.close().sync();
        }
    }

    private static TestFacts facts(String host) {
        TestFacts f = new TestFacts(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 443),
                true);
        if (host != null) {
            f.put(HOST, host);
        }
        return f;
    }

    private void writeCa() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), pki.ca.certsPem());
        Files.writeString(dir.resolve("other-ca.pem"), otherPki.ca.certsPem());
    }

    // ------------------------------------------------------------------ verification

    @Test
    void theArticlesLineVerifiesTheServerAgainstTheHostHeader() throws Exception {
        writeCa();
        List<ServerOption> options = server("ssl ca-file ca.pem sni req.hdr(host) weight 0");
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(options, backend.address(), facts("app1.example.com:443"));
            assertNull(o.failure());
            assertEquals("hello\n", o.line());
            // The port of the Host header is not part of the SNI (RFC 6066 HostName).
            assertEquals("app1.example.com", backend.next().sni());
        }
        assertEquals(1, provider.counters().handshakes.sum());
    }

    @Test
    void aServerSignedByAnotherCaFailsTheConnect() throws Exception {
        writeCa();
        List<ServerOption> options = server("ssl ca-file ca.pem sni req.hdr(host)");
        try (Backend backend = new Backend(impostor, null, false)) {
            Outcome o = connect(options, backend.address(), facts("app1.example.com"));
            assertNotNull(o.failure());
            assertFalse(o.channel().isActive());
            assertNotNull(backend.next().failure());
        }
        assertEquals(1, provider.counters().verifyFailed.sum());
        assertEquals(0, provider.counters().handshakes.sum());
    }

    @Test
    void aCertificateForAnotherNameFailsTheConnect() throws Exception {
        writeCa();
        List<ServerOption> options = server("ssl ca-file ca.pem sni req.hdr(host)");
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(options, backend.address(), facts("app2.example.com"));
            assertNotNull(o.failure());
            assertFalse(o.channel().isActive());
        }
        assertEquals(1, provider.counters().verifyFailed.sum());
    }

    @Test
    void verifyNoneAcceptsAnyCertificate() throws Exception {
        List<ServerOption> options = server("ssl verify none sni req.hdr(host)");
        try (Backend backend = new Backend(impostor, null, false)) {
            Outcome o = connect(options, backend.address(), facts("somewhere.else"));
            assertNull(o.failure());
            assertEquals("hello\n", o.line());
            assertEquals("somewhere.else", backend.next().sni());
        }
    }

    @Test
    void verifyhostPinsTheNameWhateverTheSni() throws Exception {
        writeCa();
        try (Backend backend = new Backend(app1, null, false)) {
            // SNI app2 (the client's Host), but the certificate must be app1's: accepted.
            Outcome ok = connect(server("ssl ca-file ca.pem sni req.hdr(host) verifyhost app1.example.com"),
                    backend.address(), facts("app2.example.com"));
            assertNull(ok.failure());
            assertEquals("app2.example.com", backend.next().sni());
            // SNI matches the certificate, verifyhost does not: refused.
            Outcome refused = connect(server("ssl ca-file ca.pem sni req.hdr(host) verifyhost other.example.com"),
                    backend.address(), facts("app1.example.com"));
            assertNotNull(refused.failure());
        }
    }

    @Test
    void withoutSniOrVerifyhostOnlyTheChainIsChecked() throws Exception {
        // HAProxy's behaviour: no name to check against. No SNI is sent either.
        writeCa();
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(server("ssl ca-file ca.pem"), backend.address(), facts(null));
            assertNull(o.failure());
            assertNull(backend.next().sni());
        }
        try (Backend backend = new Backend(impostor, null, false)) {
            assertNotNull(connect(server("ssl ca-file ca.pem"), backend.address(), facts(null)).failure());
        }
    }

    @Test
    void anSniExpressionWithoutValueRefusesTheConnectionWhenVerifying() throws Exception {
        writeCa();
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(server("ssl ca-file ca.pem sni req.hdr(host)"), backend.address(), facts(null));
            assertInstanceOf(IllegalStateException.class, o.failure());
            assertTrue(o.failure().getMessage().contains("gave no server name"), o.failure().getMessage());
        }
        assertEquals(1, provider.counters().noServerName.sum());
    }

    @Test
    void sessionsAreNotResumedAcrossServerNames() throws Exception {
        // The JDK client would resume app1's session (and send app1's SNI again) on a second
        // connection to the same address for app2, were sessions keyed by address alone.
        writeCa();
        List<ServerOption> options = server("ssl ca-file ca.pem sni req.hdr(host)");
        try (Backend backend = new Backend(shared, null, false)) {
            assertNull(connect(options, backend.address(), facts("app1.example.com")).failure());
            assertEquals("app1.example.com", backend.next().sni());
            assertNull(connect(options, backend.address(), facts("app2.example.com")).failure());
            assertEquals("app2.example.com", backend.next().sni());
        }
    }

    @Test
    void systemCaDoesNotTrustThePrivateTestCa() throws Exception {
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(server("ssl ca-file @system-ca sni req.hdr(host)"), backend.address(),
                    facts("app1.example.com"));
            assertNotNull(o.failure());
        }
        assertEquals(1, provider.counters().verifyFailed.sum());
    }

    // ------------------------------------------------------------------ alpn, client certificate, ordering

    @Test
    void alpnIsOfferedToTheServer() throws Exception {
        writeCa();
        try (Backend backend = new Backend(app1, null, false, "h2", "http/1.1")) {
            Outcome o = connect(server("ssl ca-file ca.pem sni req.hdr(host) alpn h2,http/1.1"), backend.address(),
                    facts("app1.example.com"));
            assertNull(o.failure());
            assertEquals("h2", o.alpn());
            assertEquals("h2", backend.next().alpn());
        }
    }

    @Test
    void aClientCertificateIsPresentedWithCrt() throws Exception {
        writeCa();
        Identity client = pki.leaf(true, "junction.example.com");
        client.write(dir.resolve("client.pem"), KeyFormat.TRADITIONAL);
        try (Backend backend = new Backend(app1, pki, false)) {
            Outcome o = connect(server("ssl ca-file ca.pem sni req.hdr(host) crt client.pem"), backend.address(),
                    facts("app1.example.com"));
            assertNull(o.failure());
            assertEquals(client.cert(), backend.next().clientCert());
            // Without it, the server refuses us (during the handshake or right after it).
            Outcome without = connect(server("ssl ca-file ca.pem sni req.hdr(host)"), backend.address(),
                    facts("app1.example.com"));
            assertNotNull(without.failure());
            assertNull(without.line());
        }
    }

    @Test
    void bytesOfAnEarlierStageGoOutInClearBeforeTheHandshake() throws Exception {
        writeCa();
        ServerOption prefix = new ServerOption() {
            @Override
            public int stage() {
                return STAGE_PREFIX;
            }

            @Override
            public void connected(Channel outbound, Facts facts) {
                outbound.writeAndFlush(Unpooled.copiedBuffer("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\n",
                        StandardCharsets.US_ASCII));
            }
        };
        // Written after ssl on the line, sorted before it by stage, as the core does.
        List<ServerOption> options = server("ssl ca-file ca.pem sni req.hdr(host)", prefix);
        assertEquals(prefix, options.get(0));
        try (Backend backend = new Backend(app1, null, true)) {
            Outcome o = connect(options, backend.address(), facts("app1.example.com"));
            assertNull(o.failure());
            Backend.Seen seen = backend.next();
            assertEquals("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443", seen.prefix());
            assertEquals("app1.example.com", seen.sni());
        }
    }

    // ------------------------------------------------------------------ configuration errors

    @Test
    void sslWithoutCaFileIsAConfigErrorUnlessVerifyNone() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> server("ssl"));
        assertTrue(e.getMessage().contains("'ssl' without 'ca-file'") && e.getMessage().contains("verify none"),
                e.getMessage());
        assertThrows(ConfigException.class, () -> server("ssl sni req.hdr(host) verify required"));
        server("ssl verify none");
        writeCa();
        server("ssl ca-file ca.pem");
        server("ssl ca-file @system-ca");
    }

    @Test
    void aLineEndedByAnotherKeywordIsCheckedAtTheFirstConnection() throws Exception {
        // "weight 0" ends the line: the parser cannot judge it whole, the first connect does.
        List<ServerOption> options = server("ssl sni req.hdr(host) weight 0");
        try (Backend backend = new Backend(app1, null, false)) {
            Outcome o = connect(options, backend.address(), facts("app1.example.com"));
            assertInstanceOf(IllegalStateException.class, o.failure());
            assertTrue(o.failure().getMessage().contains("test.cfg:7: 'ssl' without 'ca-file'"), o.failure().getMessage());
        }
    }

    @Test
    void aServerNameFromTheRequestMakesConnectionsClientSpecific() throws Exception {
        writeCa();
        assertTrue(server("ssl ca-file ca.pem sni req.hdr(host)").stream().anyMatch(ServerOption::clientSpecific));
        assertFalse(server("ssl ca-file ca.pem verifyhost app1.example.com alpn h2").stream()
                .anyMatch(ServerOption::clientSpecific));
    }

    @Test
    void otherConfigErrors() throws Exception {
        writeCa();
        assertMessage("no such file", "ssl ca-file missing.pem");
        Files.writeString(dir.resolve("junk.pem"), "junk");
        assertMessage("not a PEM file", "ssl ca-file junk.pem");
        assertMessage("expected none or required", "ssl ca-file ca.pem verify optional");
        assertMessage("without 'ssl'", "ca-file ca.pem");
        assertMessage("no effect with 'verify none'", "ssl verify none verifyhost a.example.com");
        assertMessage("no installed bundle serves", "ssl ca-file ca.pem sni req.ssl_sni");
        assertMessage("1 to 255 bytes", "ssl ca-file ca.pem alpn h2,");
        assertMessage("no PRIVATE KEY", "ssl ca-file ca.pem crt ca.pem");
        // no-ssl turns TLS off (HAProxy uses it against an inherited ssl): no check, no handler.
        server("ca-file ca.pem no-ssl");
    }

    private void assertMessage(String expected, String line) {
        ConfigException e = assertThrows(ConfigException.class, () -> server(line), line);
        assertTrue(e.getMessage().contains(expected), line + " -> " + e.getMessage());
    }

    // ------------------------------------------------------------------ helpers' logic

    @Test
    void serverNamesComeFromHostValues() {
        assertEquals("app1.example.com", ServerTls.serverName("app1.example.com:8443"));
        assertEquals("app1.example.com", ServerTls.serverName("app1.example.com."));
        assertEquals("app1.example.com", ServerTls.serverName(List.of("app1.example.com", "x")));
        assertEquals("::1", ServerTls.serverName("[::1]:443"));
        assertEquals("::1", ServerTls.serverName("::1"));
        assertNull(ServerTls.serverName(""));
        assertNull(ServerTls.serverName(null));
        assertNull(ServerTls.serverName(42L));
    }

    @Test
    void hostnameChecksFollowRfc6125() throws Exception {
        Identity wild = pki.leaf(false, "*.example.com", "exact.example.org");
        assertTrue(HostnameCheck.matches("a.example.com", wild.cert()));
        assertTrue(HostnameCheck.matches("A.Example.COM.", wild.cert()));
        assertTrue(HostnameCheck.matches("exact.example.org", wild.cert()));
        assertFalse(HostnameCheck.matches("a.b.example.com", wild.cert()));
        assertFalse(HostnameCheck.matches("example.com", wild.cert()));
        assertFalse(HostnameCheck.matches("x.example.org", wild.cert()));
        assertFalse(HostnameCheck.matches("", wild.cert()));
        assertTrue(HostnameCheck.matches("app1.example.com", app1.cert()));
        assertFalse(HostnameCheck.matches("127.0.0.1", app1.cert()));
    }
}
