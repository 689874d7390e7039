package io.junction.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on an ephemeral 127.0.0.1 port with its own certificate (made by keytool at build
 * time, CN and SAN {@code <name>.example.com}), so a client behind the router can tell which
 * backend it reached. It answers every line {@code L} with {@code "<name>: L"}.
 *
 * <p>Plain blocking JDK sockets, one thread per connection: backends are test fixtures, not the
 * code under test. {@link #accepted()} counts TCP accepts (incremented before the handshake), so
 * a test can prove that the router never connected.
 */
final class TlsBackend implements AutoCloseable {
    private static final char[] PASSWORD = "changeit".toCharArray();

    private final String name;
    private final SSLServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private TlsBackend(String name, SSLServerSocket server) {
        this.name = name;
        this.server = server;
    }

    /** Test thread: starts the backend {@code name} (app1, app2, default). */
    static TlsBackend start(String name) throws Exception {
        Path store = Paths.get(System.getProperty("junction.itest.certs", "target/certs"), name + ".p12");
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, JunctionItSupport.LOOPBACK);
        TlsBackend backend = new TlsBackend(name, server);
        Thread acceptor = new Thread(backend::acceptLoop, "tls-backend-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
        return backend;
    }

    String name() {
        return name;
    }

    /** The subject of this backend's certificate, as a client sees it. */
    String subject() {
        return "CN=" + name + ".example.com";
    }

    int port() {
        return server.getLocalPort();
    }

    /** TCP connections accepted so far (counted before the TLS handshake). */
    int accepted() {
        return accepted.get();
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
            connections.add(socket);
            Thread worker = new Thread(() -> serve((SSLSocket) socket), "tls-backend-" + name + "-conn");
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(SSLSocket socket) {
        try (socket) {
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                out.write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // A failed handshake or a reset: the test observes it on the client side.
        } finally {
            connections.remove(socket);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
