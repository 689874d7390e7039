package io.junction.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A JDK TLS client through the router: sends the given SNI (or none), trusts every certificate
 * (it is a test: the point is to see which one arrives) and records the peer's subject.
 */
final class TlsClient implements AutoCloseable {
    private final SSLSocket socket;
    private final BufferedReader in;
    private final OutputStream out;

    private TlsClient(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
    }

    /** Test thread: connects to 127.0.0.1:port and completes the handshake (blocking, bounded). */
    static TlsClient connect(int port, String sni) throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(JunctionItSupport.SOCKET_TIMEOUT_MS);
            plain.connect(new InetSocketAddress(JunctionItSupport.LOOPBACK, port), 5_000);
            SSLSocket tls = (SSLSocket) trustAll().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", port, true);
            tls.setSSLParameters(parameters(tls.getSSLParameters(), sni));
            tls.startHandshake();
            return new TlsClient(tls);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** The SNI list to send: exactly {@code sni}, or explicitly none. */
    static SSLParameters parameters(SSLParameters params, String sni) {
        params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        return params;
    }

    /** The peer certificate's subject, e.g. {@code CN=app1.example.com}. */
    String peerSubject() throws IOException {
        X509Certificate cert = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        return cert.getSubjectX500Principal().getName();
    }

    /** Sends one line and reads the answer line (null at EOF). Blocks up to the socket timeout. */
    String ask(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return in.readLine();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A client-mode engine whose first wrap() yields a real ClientHello with {@code sni}. */
    static SSLEngine clientEngine(String sni) {
        SSLEngine engine = trustAll().createSSLEngine("127.0.0.1", 443);
        engine.setUseClientMode(true);
        engine.setSSLParameters(parameters(engine.getSSLParameters(), sni));
        return engine;
    }

    /**
     * A fresh context for every connection: its client session cache is empty, so the JDK never
     * offers to resume. On resumption the JDK re-sends the SNI of the resumed session instead of
     * the one asked for (RFC 6066 section 3 wants them equal), which would make a test that asks
     * for app2 after app1 on the same router port send app1 again.
     */
    static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustEverything()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Extended, so that the JDK does not wrap it with endpoint checks of its own. */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
