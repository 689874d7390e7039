package io.junction.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DemoServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private DemoIdentity identity;
    private DemoServer server;

    @BeforeEach
    void start() throws IOException {
        identity = DemoIdentity.generate("app1.example.com");
        server = new DemoServer("app1.example.com", new InetSocketAddress(LOOPBACK, 0), identity.serverContext());
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void httpRequestGetsAnHttpAnswerWithTheName() throws Exception {
        String reply = exchange(identity.certificate(), "app1.example.com",
                "GET / HTTP/1.1\r\nHost: app1.example.com\r\nUser-Agent: test\r\n\r\n");

        String body = "hello from app1.example.com (port " + server.port() + ")\n";
        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);
        assertTrue(reply.contains("\r\nContent-Length: " + body.length() + "\r\n"), reply);
        assertTrue(reply.endsWith("\r\n\r\n" + body), reply);
    }

    @Test
    void nonHttpLineGetsTheNameToo() throws Exception {
        String reply = exchange(identity.certificate(), "app1.example.com", "hello\n");

        assertEquals("hello from app1.example.com (port " + server.port() + ")\n", reply);
    }

    @Test
    void certificateMatchesTheNameUnderHostnameVerification() throws Exception {
        // Endpoint identification "HTTPS" checks the SAN against the SNI name: it must pass
        // for the server's own name ...
        exchange(identity.certificate(), "app1.example.com", "x\n");
        // ... and fail for another one, which is what tells the demo's backends apart.
        assertThrows(SSLHandshakeException.class,
                () -> exchange(identity.certificate(), "app2.example.com", "x\n"));
    }

    @Test
    void clientThatSendsNothingIsClosedAndServerKeepsServing() throws Exception {
        try (SSLSocket s = connect(identity.certificate(), "app1.example.com")) {
            s.startHandshake();
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
        }
        assertTrue(exchange(identity.certificate(), "app1.example.com", "again\n").startsWith("hello from"));
    }

    @Test
    void refusesToBindBeyondLoopback() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0);
        assertThrows(IllegalArgumentException.class,
                () -> new DemoServer("x", any, identity.serverContext()));
    }

    @Test
    void readLineIsBounded() throws IOException {
        assertEquals("abc", DemoServer.readLine(in("abc\r\nrest"), 10));
        assertEquals("tail", DemoServer.readLine(in("tail"), 10));
        assertNull(DemoServer.readLine(in(""), 10));
        assertNull(DemoServer.readLine(in("0123456789ABCDEF\n"), 10), "over the limit");
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private String exchange(X509Certificate trusted, String sni, String request) throws Exception {
        try (SSLSocket s = connect(trusted, sni)) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
    }

    private SSLSocket connect(X509Certificate trusted, String sni) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("demo", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(LOOPBACK, server.port());
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        return s;
    }
}
