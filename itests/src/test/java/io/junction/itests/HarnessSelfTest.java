package io.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import org.junit.jupiter.api.Test;

/**
 * Tests the test fixtures without the router (plain JVM, Surefire): the backends and clients
 * talk to each other, and every crafted ClientHello is a hello that a real TLS server (the JDK's
 * SSLEngine) accepts and reads the same SNI from. A router failing an itest then fails on its
 * own account, not because the crafted bytes were wrong.
 */
class HarnessSelfTest {

    @Test
    void clientSeesEachBackendsCertificateAndAnswer() throws Exception {
        for (String name : List.of("app1", "app2", "default")) {
            try (TlsBackend backend = TlsBackend.start(name);
                    TlsClient client = TlsClient.connect(backend.port(), name + ".example.com")) {
                assertEquals(backend.subject(), client.peerSubject());
                assertEquals(name + ": x", client.ask("x"));
                assertEquals(1, backend.accepted());
            }
        }
    }

    @Test
    void realHelloIsAccepted() throws Exception {
        assertServerReadsSni(ClientHellos.real("app1.example.com"), "app1.example.com");
    }

    @Test
    void helloWithoutSniHasNone() throws Exception {
        assertServerReadsSni(ClientHellos.real(null), null);
    }

    @Test
    void helloSplitInsideTheHostNameIsAccepted() throws Exception {
        byte[] hello = ClientHellos.real("app1.example.com");
        int cut = ClientHellos.hostNameOffset(hello) + 8;
        byte[] split = ClientHellos.splitIntoTwoRecords(hello, cut);
        assertEquals(ClientHellos.HEADER + cut, ClientHellos.u16(split, 3) + ClientHellos.HEADER);
        assertServerReadsSni(split, "app1.example.com");
    }

    @Test
    void helloSplitEarlyIsAccepted() throws Exception {
        assertServerReadsSni(ClientHellos.splitIntoTwoRecords(ClientHellos.real("app2.example.com"), 40),
                "app2.example.com");
    }

    @Test
    void sixteenKibHelloIsAccepted() throws Exception {
        byte[] hello = ClientHellos.padded(ClientHellos.real("app1.example.com"), 16384);
        assertEquals(16384, ClientHellos.u16(hello, 3));
        assertEquals(16384 - 4, ClientHellos.u24(hello, ClientHellos.HEADER + 1));
        assertServerReadsSni(hello, "app1.example.com");
    }

    @Test
    void recordingBackendRecordsExactBytes() throws Exception {
        try (RecordingBackend backend = RecordingBackend.start("rec");
                java.net.Socket socket = new java.net.Socket(JunctionItSupport.LOOPBACK, backend.port())) {
            socket.getOutputStream().write(new byte[] {1, 2, 3});
            String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertEquals("rec #1", greeting);
            byte[] got = backend.awaitRecorded(1, 3, java.time.Duration.ofSeconds(5));
            assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(got[0], got[1], got[2]));
            assertEquals(3, got.length);
        }
    }

    /** Feeds {@code wire} to a server SSLEngine: it must take the whole hello and see {@code sni}. */
    private static void assertServerReadsSni(byte[] wire, String sni) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(System.getProperty("junction.itest.certs",
                "target/certs"), "app1.p12"))) {
            keyStore.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        SSLEngine server = context.createSSLEngine();
        server.setUseClientMode(false);
        List<String> seen = new ArrayList<>();
        SSLParameters params = server.getSSLParameters();
        params.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
            @Override
            public boolean matches(SNIServerName name) {
                seen.add(new String(name.getEncoded(), java.nio.charset.StandardCharsets.US_ASCII));
                return true;
            }
        }));
        server.setSSLParameters(params);
        ByteBuffer in = ByteBuffer.wrap(wire);
        ByteBuffer app = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        for (int i = 0; i < 10 && in.hasRemaining(); i++) {
            SSLEngineResult result = server.unwrap(in, app);
            assertEquals(SSLEngineResult.Status.OK, result.getStatus(), "unwrap " + i);
            Runnable task;
            while ((task = server.getDelegatedTask()) != null) {
                task.run();
            }
        }
        assertTrue(!in.hasRemaining(), "the server consumed every byte of the hello");
        assertEquals(SSLEngineResult.HandshakeStatus.NEED_WRAP, server.getHandshakeStatus(),
                "the server is ready to answer the hello");
        assertEquals(sni == null ? List.of() : List.of(sni), seen);
    }
}
