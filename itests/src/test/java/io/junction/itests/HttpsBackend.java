package io.junction.itests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * An HTTPS origin server for the TLS integration tests: a JDK {@link SSLServerSocket} on an
 * ephemeral 127.0.0.1 port presenting the key store {@code <name>.p12} that {@link TlsTestPki}
 * wrote, optionally offering ALPN protocols. It records, per completed handshake, the server
 * name the client asked for ({@link ExtendedSSLSession#getRequestedServerNames()}) and the
 * negotiated ALPN protocol, so a test can tell what the router sent when it re-encrypted.
 *
 * <p>On an HTTP/1.1 connection every request is answered {@code 200} with a text body in the
 * {@link HttpBackend} format (so {@link Curl.Transfer#backend()} and {@code headers()} work),
 * plus the TLS facts:
 * <pre>
 *   backend: app1-tls
 *   sni: app1.example.com        (or "-" when the client sent none)
 *   alpn: http/1.1               (or "-")
 *   request: GET / HTTP/1.1
 *   header: Host: app1.example.com
 * </pre>
 * A connection that negotiated {@code h2} is only held open (this server speaks no HTTP/2): the
 * ALPN test needs the handshake, not the protocol. One thread per connection: a test fixture.
 */
final class HttpsBackend implements AutoCloseable {

    /** What one completed handshake showed. */
    record Hello(String sni, String alpn) {
    }

    private static final int MAX_HEAD = 64 * 1024;

    private final String name;
    private final SSLServerSocket server;
    private final List<String> alpn;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Hello> hellos = new CopyOnWriteArrayList<>();
    private final Set<Socket> live = ConcurrentHashMap.newKeySet();

    private HttpsBackend(String name, SSLServerSocket server, List<String> alpn) {
        this.name = name;
        this.server = server;
        this.alpn = alpn;
    }

    /**
     * Test thread: starts backend {@code name} with the key store {@code certs/<keyStore>.p12}
     * and the ALPN protocols it accepts, in preference order (none: no ALPN).
     */
    static HttpsBackend start(String name, Path certs, String keyStore, String... alpn) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.resolve(keyStore + ".p12"))) {
            ks.load(in, TlsTestPki.PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, TlsTestPki.PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, JunctionItSupport.LOOPBACK);
        HttpsBackend backend = new HttpsBackend(name, server, List.of(alpn));
        Thread acceptor = new Thread(backend::acceptLoop, "https-backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
        return backend;
    }

    String name() {
        return name;
    }

    int port() {
        return server.getLocalPort();
    }

    /** TCP connections accepted so far (counted before the handshake). */
    int accepted() {
        return accepted.get();
    }

    /** HTTP requests answered so far. */
    int requests() {
        return requests.get();
    }

    /** Every completed handshake so far, in order. */
    List<Hello> hellos() {
        return new ArrayList<>(hellos);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            live.add(socket);
            Thread worker = new Thread(() -> serve((SSLSocket) socket), "https-backend-" + name + "-conn");
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(SSLSocket socket) {
        try (socket) {
            socket.setSoTimeout(60_000);
            if (!alpn.isEmpty()) {
                SSLParameters params = socket.getSSLParameters();
                params.setApplicationProtocols(alpn.toArray(new String[0]));
                socket.setSSLParameters(params);
            }
            socket.startHandshake();
            String sni = "-";
            if (socket.getSession() instanceof ExtendedSSLSession session) {
                for (SNIServerName n : session.getRequestedServerNames()) {
                    if (n instanceof SNIHostName host) {
                        sni = host.getAsciiName();
                    }
                }
            }
            String protocol = socket.getApplicationProtocol();
            String negotiated = protocol == null || protocol.isEmpty() ? "-" : protocol;
            hellos.add(new Hello(sni, negotiated));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (negotiated.equals("h2")) {
                in.transferTo(OutputStream.nullOutputStream()); // held open until the peer closes
                return;
            }
            OutputStream out = socket.getOutputStream();
            while (true) {
                List<String> head = readHead(in);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                StringBuilder body = new StringBuilder();
                body.append("backend: ").append(name).append('\n');
                body.append("sni: ").append(sni).append('\n');
                body.append("alpn: ").append(negotiated).append('\n');
                body.append("request: ").append(head.get(0)).append('\n');
                boolean close = false;
                for (String h : head.subList(1, head.size())) {
                    body.append("header: ").append(h).append('\n');
                    String lower = h.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("connection:") && lower.contains("close")) {
                        close = true;
                    }
                }
                byte[] payload = body.toString().getBytes(StandardCharsets.ISO_8859_1);
                String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + payload.length
                        + "\r\nX-Backend: " + name + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
                out.write(response.getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // A failed handshake (the router refused our certificate) or a reset: the test
            // observes it through hellos() and what its client got.
        } finally {
            live.remove(socket);
        }
    }

    /** The head's lines (requests here carry no body); null at EOF before the first byte. */
    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("EOF inside a request head");
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head too large for the test server");
            }
            if (b == '\n') {
                if (++state == 2) {
                    break;
                }
            } else if (b != '\r') {
                state = 0;
            }
        }
        List<String> lines = new ArrayList<>();
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r?\n")) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines.isEmpty() ? null : lines;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : live) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
