package io.junction.listener.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.InspectionReady;
import io.junction.api.WellKnownFacts;
import io.junction.api.Words;
import io.junction.listener.tls.internal.TestPki.Identity;
import io.junction.listener.tls.internal.TestPki.KeyFormat;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS termination on a bind line with real handshakes on loopback: JDK TLS clients against a
 * Netty listener that applies the compiled options exactly as the core does at accept.
 */
class TlsListenerTest {
    private static EventLoopGroup group;
    private static TestPki pki;
    private static Identity defaultId;
    private static Identity app1;
    private static Identity app2;
    private static Identity wild;
    private static SSLContext client;

    @TempDir
    Path dir;

    private TlsBindProvider provider;

    @BeforeAll
    static void pki() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        pki = TestPki.create("Junction Test CA");
        defaultId = pki.leaf(false, "default.example.com");
        app1 = pki.leaf(false, "app1.example.com");
        app2 = pki.leaf(true, "app2.example.com", "www.app2.example.com");
        wild = pki.leaf(false, "*.wild.example.com");
        client = pki.clientContext(null);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeProvider() {
        if (provider != null) {
            provider.deactivate();
        }
    }

    private TlsBindProvider provider() {
        provider = TlsBindProvider.create(0);
        return provider;
    }

    private List<BindOption> bind(String options) throws ConfigException {
        return TestConfig.bind(provider == null ? provider() : provider, null, dir, options);
    }

    private void writeStandardCerts() throws IOException {
        defaultId.write(dir.resolve("default.pem"), KeyFormat.PKCS8);
        app1.write(dir.resolve("app1.pem"), KeyFormat.TRADITIONAL);
        app2.write(dir.resolve("app2.pem"), KeyFormat.TRADITIONAL);
        wild.write(dir.resolve("wild.pem"), KeyFormat.PKCS8);
    }

    private static String serial(TlsServer.Result r) {
        return r.peer().getSerialNumber().toString(16);
    }

    private static String serial(Identity id) {
        return id.cert().getSerialNumber().toString(16);
    }

    // ------------------------------------------------------------------ certificate selection

    @Test
    void sniSelectsTheCertificateAndTheFirstIsTheDefault() throws Exception {
        writeStandardCerts();
        List<BindOption> options = bind("ssl crt default.pem crt app1.pem crt app2.pem crt wild.pem");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            assertEquals(serial(app2), serial(TlsServer.connect(client, server.port(), "app2.example.com")));
            assertEquals(serial(app2), serial(TlsServer.connect(client, server.port(), "www.app2.example.com")));
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "APP1.Example.COM")));
            // No SNI, or a name nobody serves: the first certificate of the line.
            assertEquals(serial(defaultId), serial(TlsServer.connect(client, server.port(), null)));
            assertEquals(serial(defaultId), serial(TlsServer.connect(client, server.port(), "unknown.example.org")));
            // Wildcards cover exactly one label.
            assertEquals(serial(wild), serial(TlsServer.connect(client, server.port(), "a.wild.example.com")));
            assertEquals(serial(defaultId), serial(TlsServer.connect(client, server.port(), "a.b.wild.example.com")));
            assertEquals(serial(defaultId), serial(TlsServer.connect(client, server.port(), "wild.example.com")));
        }
        assertEquals(9, provider.counters().handshakes.sum());
    }

    @Test
    void aDirectoryLoadsEveryPemFileInNameOrder() throws Exception {
        Path certs = Files.createDirectory(dir.resolve("certs"));
        // "0-" sorts first: it is the default.
        defaultId.write(certs.resolve("0-default.pem"), KeyFormat.PKCS8);
        app1.write(certs.resolve("app1.pem"), KeyFormat.PKCS8);
        app2.write(certs.resolve("app2.pem"), KeyFormat.TRADITIONAL);
        Files.writeString(certs.resolve("README.txt"), "not a certificate");
        List<BindOption> options = bind("ssl crt certs");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            assertEquals(serial(app2), serial(TlsServer.connect(client, server.port(), "app2.example.com")));
            assertEquals(serial(defaultId), serial(TlsServer.connect(client, server.port(), null)));
        }
        assertEquals(3, sslOf(options).tls().snapshot().certificates());
    }

    @Test
    void rsaAndEcdsaForOneNameAreChosenByWhatTheClientSupports() throws Exception {
        Identity rsa = pki.leaf(false, "multi.example.com");
        Identity ec = pki.leaf(true, "multi.example.com");
        rsa.write(dir.resolve("multi-rsa.pem"), KeyFormat.PKCS8);
        ec.write(dir.resolve("multi-ec.pem"), KeyFormat.PKCS8);
        List<BindOption> options = bind("ssl crt multi-rsa.pem crt multi-ec.pem");
        String[] tls12 = {"TLSv1.2"};
        try (TlsServer server = new TlsServer(group, options)) {
            TlsServer.Result viaEc = TlsServer.connect(client, server.port(), "multi.example.com", new String[0], tls12,
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
            TlsServer.Result viaRsa = TlsServer.connect(client, server.port(), "multi.example.com", new String[0], tls12,
                    new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
            assertEquals(serial(ec), serial(viaEc));
            assertEquals(serial(rsa), serial(viaRsa));
        }
        // One context for the name, shared by both certificates.
        assertEquals(1, sslOf(options).tls().snapshot().contexts());
    }

    @Test
    void keyBeforeCertificatesAndChainInAnyOrderIsAccepted() throws Exception {
        // Key first, then the CA, then the leaf: the leaf is found by its key.
        String pem = app1.keyPem(KeyFormat.TRADITIONAL) + new TestPki.Identity(app1.key(), app1.cert(),
                List.of(pki.ca.cert(), app1.cert())).certsPem();
        TestPki.writeText(dir.resolve("odd.pem"), pem);
        List<BindOption> options = bind("ssl crt odd.pem");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
        }
    }

    @Test
    void aSeparateKeyFileBesideTheCertificateIsUsed() throws Exception {
        TestPki.writeText(dir.resolve("split.pem"), app1.certsPem());
        TestPki.writeText(dir.resolve("split.pem.key"), app1.keyPem(KeyFormat.PKCS8));
        List<BindOption> options = bind("ssl crt split.pem");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
        }
    }

    // ------------------------------------------------------------------ facts and gates

    @Test
    void theHandshakeFiresInspectionReadyAndStoresTheFacts() throws Exception {
        writeStandardCerts();
        List<BindOption> options = bind("ssl crt default.pem crt app1.pem alpn h2,http/1.1");
        assertTrue(options.get(0).terminatesTls());
        assertTrue(options.get(0).defersInspection());
        assertFalse(options.get(1).defersInspection());
        try (TlsServer server = new TlsServer(group, options)) {
            TlsServer.Result r = TlsServer.connect(client, server.port(), "app1.example.com", "h2", "http/1.1");
            assertEquals("h2", r.alpn());
            TlsServer.Core core = server.next();
            List<String> pipeline = core.ready.get(10, TimeUnit.SECONDS);
            assertEquals(1, core.readyEvents);
            // The gate removed itself; the TLS handler stays in front of the core.
            assertFalse(pipeline.contains(TlsGate.NAME));
            assertTrue(pipeline.indexOf("junction") > 0);
            Facts f = core.facts;
            assertEquals("app1.example.com", f.get(TlsFacts.SNI));
            assertEquals("h2", f.get(TlsFacts.ALPN));
            assertEquals(r.protocol(), f.get(TlsFacts.PROTOCOL));
            assertEquals("TLSv1.3", f.get(TlsFacts.PROTOCOL));
            assertEquals("app1.example.com", f.get(WellKnownFacts.TLS_SNI));
            assertEquals(List.of("h2"), f.get(WellKnownFacts.TLS_ALPN));
            assertTrue(f.tlsTerminated());
        }
    }

    @Test
    void alpnIsOfferedOnlyWhenWritten() throws Exception {
        writeStandardCerts();
        // Default: no ALPN (HAProxy in mode tcp): an h2-capable client falls back to HTTP/1.1.
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem"))) {
            TlsServer.Result r = TlsServer.connect(client, server.port(), "app1.example.com", "h2", "http/1.1");
            assertTrue(r.alpn() == null || r.alpn().isEmpty(), r.alpn());
        }
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem alpn h2,http/1.1"))) {
            assertEquals("h2", TlsServer.connect(client, server.port(), "app1.example.com", "h2", "http/1.1").alpn());
            assertEquals("http/1.1", TlsServer.connect(client, server.port(), "app1.example.com", "http/1.1").alpn());
        }
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem alpn http/1.1"))) {
            assertEquals("http/1.1", TlsServer.connect(client, server.port(), "app1.example.com", "h2", "http/1.1").alpn());
            // No common protocol: the handshake goes on without ALPN (HAProxy's behaviour).
            TlsServer.Result none = TlsServer.connect(client, server.port(), "app1.example.com", "imap");
            assertTrue(none.alpn() == null || none.alpn().isEmpty());
            TlsServer.Core core = server.next();
            core.ready.get(10, TimeUnit.SECONDS);
            core = server.next();
            core.ready.get(10, TimeUnit.SECONDS);
            assertNull(core.facts.get(TlsFacts.ALPN));
        }
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem alpn h2 no-alpn"))) {
            TlsServer.Result r = TlsServer.connect(client, server.port(), "app1.example.com", "h2", "http/1.1");
            assertTrue(r.alpn() == null || r.alpn().isEmpty());
        }
    }

    @Test
    void tls12IsAcceptedByDefaultAndRefusedWithMinVersion13() throws Exception {
        writeStandardCerts();
        String[] tls12 = {"TLSv1.2"};
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem"))) {
            TlsServer.Result r = TlsServer.connect(client, server.port(), "app1.example.com", new String[0], tls12, null);
            assertEquals("TLSv1.2", r.protocol());
            TlsServer.Core core = server.next();
            core.ready.get(10, TimeUnit.SECONDS);
            assertEquals("TLSv1.2", core.facts.get(TlsFacts.PROTOCOL));
        }
        provider.deactivate();
        provider = null;
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem ssl-min-ver TLSv1.3"))) {
            assertThrows(SSLException.class,
                    () -> TlsServer.connect(client, server.port(), "app1.example.com", new String[0], tls12, null));
            TlsServer.Core core = server.next();
            core.closed.get(10, TimeUnit.SECONDS);
            assertEquals(0, core.readyEvents);
        }
        assertEquals(1, provider.counters().handshakeFailed.sum());
    }

    @Test
    void cipherNamesInOpenSslOrIanaFormRestrictTls12() throws Exception {
        writeStandardCerts();
        String[] tls12 = {"TLSv1.2"};
        try (TlsServer server = new TlsServer(group,
                bind("ssl crt app1.pem ciphers ECDHE-RSA-AES256-GCM-SHA384 ssl-max-ver TLSv1.2"))) {
            TlsServer.Result r = TlsServer.connect(client, server.port(), "app1.example.com", new String[0], tls12, null);
            assertEquals("TLSv1.2", r.protocol());
            // A client that only has another suite cannot connect.
            assertThrows(SSLException.class, () -> TlsServer.connect(client, server.port(), "app1.example.com",
                    new String[0], tls12, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}));
        }
        assertEquals(List.of("TLS_AES_256_GCM_SHA384"),
                TlsParams.ciphers("ciphersuites", "TLS_AES_256_GCM_SHA384", true));
    }

    // ------------------------------------------------------------------ strict-sni

    @Test
    void strictSniRefusesUnknownAndMissingNamesWithAnAlert() throws Exception {
        writeStandardCerts();
        List<BindOption> options = bind("ssl crt default.pem crt app1.pem strict-sni");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            SSLException unknown = assertThrows(SSLException.class,
                    () -> TlsServer.connect(client, server.port(), "unknown.example.org"));
            assertTrue(unknown.getMessage().contains("unrecognized_name"), unknown.getMessage());
            SSLException none = assertThrows(SSLException.class, () -> TlsServer.connect(client, server.port(), null));
            assertTrue(none.getMessage().contains("handshake_failure"), none.getMessage());
            server.next().ready.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 2; i++) {
                TlsServer.Core refused = server.next();
                refused.closed.get(10, TimeUnit.SECONDS);
                assertEquals(0, refused.readyEvents);
            }
        }
        assertEquals(2, provider.counters().strictSniRefused.sum());
        assertEquals(1, provider.counters().handshakes.sum());
    }

    // ------------------------------------------------------------------ failures

    @Test
    void plainTextOnATlsPortIsClosedWithoutInspectionReady() throws Exception {
        writeStandardCerts();
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem"))) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // The server closes; whatever it wrote before (nothing readable as HTTP), EOF comes.
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // drain
                }
            }
            TlsServer.Core core = server.next();
            core.closed.get(10, TimeUnit.SECONDS);
            assertEquals(0, core.readyEvents);
        }
        assertEquals(1, provider.counters().notTls.sum());
    }

    @Test
    void clientCertificatesAreRequiredWithVerifyRequired() throws Exception {
        writeStandardCerts();
        pki.ca.write(dir.resolve("ca.pem"), KeyFormat.PKCS8);
        Files.writeString(dir.resolve("ca-only.pem"), pki.ca.certsPem());
        Identity clientId = pki.leaf(true, "client.example.com");
        try (TlsServer server = new TlsServer(group, bind("ssl crt app1.pem ca-file ca-only.pem verify required"))) {
            TlsServer.connect(pki.clientContext(clientId), server.port(), "app1.example.com");
            // Without a certificate: the server's alert arrives during the handshake (TLS 1.2) or
            // at the first read (TLS 1.3, where the client finishes first).
            assertThrows(IOException.class, () -> TlsServer.connect(client, server.port(), "app1.example.com"));
        }
    }

    // ------------------------------------------------------------------ PROXY protocol before TLS

    @Test
    void aProxyHeaderIsReadInClearBeforeTlsWhicheverOrderTheOptionsAreWritten() throws Exception {
        writeStandardCerts();
        for (String line : List.of("ssl crt app1.pem accept-proxy", "accept-proxy ssl crt app1.pem")) {
            TlsBindProvider p = TlsBindProvider.create(0);
            List<BindOption> options = TestConfig.bind(p, new FakeAcceptProxy(), dir, line);
            try (TlsServer server = new TlsServer(group, options)) {
                try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                    OutputStream out = plain.getOutputStream();
                    out.write("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    TlsServer.Result r = TlsServer.over(client, plain, "app1.example.com");
                    assertEquals(serial(app1), serial(r));
                }
                TlsServer.Core core = server.next();
                core.ready.get(10, TimeUnit.SECONDS);
                assertEquals(2, core.readyEvents, line);
                assertEquals(new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 40000), core.facts.source(), line);
                assertEquals("app1.example.com", core.facts.get(TlsFacts.SNI), line);
            } finally {
                p.deactivate();
            }
        }
    }

    /**
     * Stands in for the PROXY protocol bundle's accept-proxy: like it, it adds its decoder at
     * the head of the pipeline and fires InspectionReady once the header is applied.
     */
    static final class FakeAcceptProxy implements BindOptionProvider {
        @Override
        public BindOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
            assertEquals("accept-proxy", keyword);
            return new BindOption() {
                @Override
                public void accepted(Channel client, Facts facts) {
                    client.pipeline().addFirst("proxy-sink", new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof HAProxyMessage m) {
                                facts.overrideAddresses(new InetSocketAddress(m.sourceAddress(), m.sourcePort()),
                                        new InetSocketAddress(m.destinationAddress(), m.destinationPort()));
                                m.release();
                                ctx.pipeline().remove(this);
                                ctx.fireUserEventTriggered(InspectionReady.INSTANCE);
                                return;
                            }
                            ctx.fireChannelRead(msg);
                        }
                    });
                    client.pipeline().addFirst("proxy-decoder", new HAProxyMessageDecoder());
                }

                @Override
                public boolean defersInspection() {
                    return true;
                }
            };
        }
    }

    // ------------------------------------------------------------------ reload

    @Test
    void aCertificateReplacedOnDiskServesNewHandshakes() throws Exception {
        Path file = app1.write(dir.resolve("site.pem"), KeyFormat.PKCS8);
        List<BindOption> options = bind("ssl crt site.pem");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            assertEquals(1, provider.reloader().watchedCount());
            assertEquals(0, provider.reloader().checkNow());

            Identity renewed = pki.leaf(true, "app1.example.com");
            renewed.write(file, KeyFormat.TRADITIONAL);
            assertEquals(1, provider.reloader().checkNow());
            assertEquals(serial(renewed), serial(TlsServer.connect(client, server.port(), "app1.example.com")));

            // A broken replacement keeps the previous certificate.
            TestPki.writeText(file, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
            assertEquals(0, provider.reloader().checkNow());
            assertEquals(serial(renewed), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            assertEquals(1, provider.counters().reloadFailures.sum());
        }
    }

    @Test
    void theWatchThreadPicksUpARenewedCertificate() throws Exception {
        provider = TlsBindProvider.create(1);
        Path file = app1.write(dir.resolve("site.pem"), KeyFormat.PKCS8);
        List<BindOption> options = bind("ssl crt site.pem");
        try (TlsServer server = new TlsServer(group, options)) {
            assertEquals(serial(app1), serial(TlsServer.connect(client, server.port(), "app1.example.com")));
            Identity renewed = pki.leaf(false, "app1.example.com");
            renewed.write(file, KeyFormat.PKCS8);
            // Bounded wait for the daemon thread (checks every second): not a speed assertion.
            String seen = serial(app1);
            for (int i = 0; i < 100 && !seen.equals(serial(renewed)); i++) {
                Thread.sleep(100);
                seen = serial(TlsServer.connect(client, server.port(), "app1.example.com"));
            }
            assertEquals(serial(renewed), seen);
        }
    }

    // ------------------------------------------------------------------ configuration errors

    @Test
    void badCertificateFilesAreConfigErrorsNamingTheFile() throws Exception {
        Files.writeString(dir.resolve("garbage.pem"), "hello world\n");
        ConfigException e = assertThrows(ConfigException.class, () -> bind("ssl crt garbage.pem"));
        assertTrue(e.getMessage().contains("garbage.pem") && e.getMessage().contains("not a PEM file"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> bind("ssl crt missing.pem"));
        assertTrue(e.getMessage().contains("missing.pem") && e.getMessage().contains("no such file"), e.getMessage());

        TestPki.writeText(dir.resolve("nokey.pem"), app1.certsPem());
        e = assertThrows(ConfigException.class, () -> bind("ssl crt nokey.pem"));
        assertTrue(e.getMessage().contains("nokey.pem") && e.getMessage().contains("no PRIVATE KEY"), e.getMessage());

        TestPki.writeText(dir.resolve("mismatch.pem"), app1.certsPem() + app2.keyPem(KeyFormat.PKCS8));
        e = assertThrows(ConfigException.class, () -> bind("ssl crt mismatch.pem"));
        assertTrue(e.getMessage().contains("mismatch.pem") && e.getMessage().contains("does not belong"), e.getMessage());

        TestPki.writeText(dir.resolve("enc.pem"), app1.certsPem()
                + "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        e = assertThrows(ConfigException.class, () -> bind("ssl crt enc.pem"));
        assertTrue(e.getMessage().contains("enc.pem") && e.getMessage().contains("encrypted"), e.getMessage());

        TestPki.writeText(dir.resolve("b64.pem"), "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        e = assertThrows(ConfigException.class, () -> bind("ssl crt b64.pem"));
        assertTrue(e.getMessage().contains("b64.pem"), e.getMessage());

        Files.createDirectory(dir.resolve("empty"));
        e = assertThrows(ConfigException.class, () -> bind("ssl crt empty"));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("no *.pem"), e.getMessage());
    }

    @Test
    void keywordsThatDoNotMakeSenseTogetherAreConfigErrors() throws Exception {
        writeStandardCerts();
        assertMessage("needs at least one 'crt", "ssl");
        assertMessage("without 'ssl'", "crt app1.pem");
        assertMessage("without 'ssl'", "crt app1.pem alpn h2");
        assertMessage("needs 'ca-file", "ssl crt app1.pem verify required");
        assertMessage("above ssl-max-ver", "ssl crt app1.pem ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2");
        assertMessage("SSL 3.0 is broken", "ssl crt app1.pem ssl-min-ver SSLv3");
        assertMessage("expected TLSv1.0", "ssl crt app1.pem ssl-min-ver TLS13");
        assertMessage("OpenSSL cipher-list keyword", "ssl crt app1.pem ciphers HIGH:!aNULL");
        assertMessage("unknown or unsupported cipher", "ssl crt app1.pem ciphers NOT-A-CIPHER");
        assertMessage("write it in 'ciphersuites'", "ssl crt app1.pem ciphers TLS_AES_128_GCM_SHA256");
        assertMessage("expected none, optional or required", "ssl crt app1.pem verify sometimes");
        assertMessage("1 to 255 bytes", "ssl crt app1.pem alpn h2,,http/1.1");
        assertMessage("1 to 255 bytes", "ssl crt app1.pem alpn h2,");
        assertMessage("missing a certificate file", "ssl crt");
    }

    @Test
    void aLineEndedByAnotherBundlesKeywordIsCheckedBeforeItBinds() throws Exception {
        writeStandardCerts();
        // The parser cannot see the end of this line (accept-proxy is another bundle's), so the
        // check happens in prepare(), on the config thread, before the socket binds.
        TlsBindProvider p = provider();
        List<BindOption> options = TestConfig.bind(p, new FakeAcceptProxy(), dir, "ssl accept-proxy");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> options.get(0).prepare(null));
        assertTrue(e.getMessage().contains("needs at least one 'crt"), e.getMessage());
        // And the seed's line, ended by accept-proxy, is built before any connection arrives.
        List<BindOption> seed = TestConfig.bind(p, new FakeAcceptProxy(), dir, "ssl crt app1.pem accept-proxy");
        assertTrue(sslOf(seed).tls().snapshot() != null);
        seed.get(0).prepare(null);
    }

    @Test
    void eachCompilationOfALineGetsItsOwnSettings() throws Exception {
        writeStandardCerts();
        TlsBindProvider p = provider();
        List<BindOption> a = TestConfig.bind(p, null, dir, "ssl crt app1.pem");
        List<BindOption> b = TestConfig.bind(p, null, dir, "ssl crt app2.pem");
        assertNotEquals(sslOf(a).tls(), sslOf(b).tls());
        assertEquals(1, sslOf(a).tls().snapshot().certificates());
        assertEquals(1, sslOf(b).tls().snapshot().certificates());
    }

    @Test
    void anExpiredCertificateStillLoads() throws Exception {
        Identity old = pki.leaf(false, Date.from(Instant.now().minusSeconds(60)), "old.example.com");
        old.write(dir.resolve("old.pem"), KeyFormat.PKCS8);
        List<BindOption> options = bind("ssl crt old.pem");
        assertEquals(1, sslOf(options).tls().snapshot().certificates());
        assertEquals(List.of("old.example.com"), CertEntry.load(dir.resolve("old.pem")).names());
    }

    @Test
    void pemKeyFormatsAllLoad() throws Exception {
        for (Identity id : List.of(app1, app2)) {
            for (KeyFormat f : KeyFormat.values()) {
                Path file = id.write(dir.resolve("k.pem"), f);
                CertEntry e = CertEntry.load(file);
                assertEquals(id.cert(), e.chain()[0]);
                assertEquals(new BigInteger(1, id.key().getEncoded()), new BigInteger(1, e.key().getEncoded()));
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private void assertMessage(String expected, String line) {
        TlsBindProvider p = TlsBindProvider.create(0);
        try {
            ConfigException e = assertThrows(ConfigException.class, () -> TestConfig.bind(p, null, dir, line), line);
            assertTrue(e.getMessage().contains(expected), line + " -> " + e.getMessage());
        } finally {
            p.deactivate();
        }
    }

    private static TlsBindOptions.Ssl sslOf(List<BindOption> options) {
        for (BindOption o : options) {
            if (o instanceof TlsBindOptions.Ssl s) {
                return s;
            }
        }
        throw new AssertionError("no ssl option in " + options);
    }
}
