package io.junction.backend.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK TLS server on 127.0.0.1 standing for a backend: it may read a clear-text line first (a
 * PROXY header stand-in), then does the server side of the handshake, records what the client
 * sent (SNI, ALPN, client certificate), answers "hello\n" and closes. One thread, one connection
 * at a time.
 */
final class Backend implements AutoCloseable {
    /** What one connection showed. */
    record Seen(String prefix, String sni, String alpn, X509Certificate clientCert, Exception failure) {
    }

    private final ServerSocket server;
    private final SSLContext tls;
    private final Thread thread;
    private final boolean readPrefix;
    private final boolean needClientAuth;
    private final String[] alpn;
    final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    Backend(TestPki.Identity id, TestPki clientCa, boolean readPrefix, String... alpn) throws Exception {
        this.tls = context(id, clientCa);
        this.readPrefix = readPrefix;
        this.needClientAuth = clientCa != null;
        this.alpn = alpn;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(this::run, "test-backend");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    Seen next() throws InterruptedException {
        Seen s = seen.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("the backend saw no connection");
        }
        return s;
    }

    private static SSLContext context(TestPki.Identity id, TestPki clientCa) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", id.key(), "x".toCharArray(), id.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "x".toCharArray());
        TrustManagerFactory tmf = null;
        if (clientCa != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", clientCa.ca.cert());
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    private void run() {
        while (!server.isClosed()) {
            try (Socket plain = server.accept()) {
                plain.setSoTimeout(10_000);
                String prefix = null;
                if (readPrefix) {
                    StringBuilder line = new StringBuilder();
                    InputStream in = plain.getInputStream();
                    int c;
                    while ((c = in.read()) >= 0 && c != '\n') {
                        line.append((char) c);
                    }
                    prefix = line.toString();
                }
                serve(plain, prefix);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    seen.add(new Seen(null, null, null, null, e));
                }
            }
        }
    }

    private void serve(Socket plain, String prefix) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), false)) {
            s.setUseClientMode(false);
            SSLParameters p = s.getSSLParameters();
            p.setNeedClientAuth(needClientAuth);
            if (alpn.length > 0) {
                p.setApplicationProtocols(alpn);
            }
            s.setSSLParameters(p);
            try {
                s.startHandshake();
            } catch (IOException e) {
                seen.add(new Seen(prefix, null, null, null, e));
                return;
            }
            String sni = null;
            if (s.getSession() instanceof ExtendedSSLSession ext) {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        sni = h.getAsciiName();
                    }
                }
            }
            X509Certificate client = null;
            if (needClientAuth) {
                client = (X509Certificate) s.getSession().getPeerCertificates()[0];
            }
            seen.add(new Seen(prefix, sni, s.getApplicationProtocol(), client, null));
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            try {
                // Wait for the client to close (bounded by the socket timeout).
                s.getInputStream().read();
            } catch (SocketTimeoutException e) {
                // done anyway
            }
        }
    }

    static List<String> names(X509Certificate c) throws Exception {
        return c.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList();
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(5_000);
    }
}
