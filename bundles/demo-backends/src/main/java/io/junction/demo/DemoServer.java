package io.junction.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * One demo TLS backend: accepts TLS connections on a loopback address, reads one line and answers
 * with its own name, then closes.
 *
 * <ul>
 * <li>An HTTP/1.x request line (its headers are read and discarded) gets
 *     {@code HTTP/1.1 200 OK} with the body {@code hello from NAME (port P)\n}.</li>
 * <li>Any other line gets just the body line.</li>
 * <li>A client that closes without sending anything (e.g. {@code openssl s_client </dev/null})
 *     is simply closed after the handshake.</li>
 * </ul>
 *
 * <p>Plain blocking JDK sockets and a small fixed pool: this is a demo, not the router. Every
 * resource is bounded: concurrent connections ({@link #MAX_CONNECTIONS}, extra ones are closed at
 * once), bytes read ({@link #MAX_HEAD_BYTES}) and time per connection ({@link #SO_TIMEOUT_MS}).
 */
public final class DemoServer implements AutoCloseable {

    /** Connections served at once; more would only mean a client is hammering a demo. */
    static final int MAX_CONNECTIONS = 64;

    /** Worker threads; a request is served in well under a millisecond after its handshake. */
    static final int WORKERS = 4;

    /** Request line plus headers; 16 KiB is more than any curl request in the demo sends. */
    static final int MAX_HEAD_BYTES = 16 * 1024;

    /** A client that neither completes its handshake nor sends a line in 10 s is dropped. */
    static final int SO_TIMEOUT_MS = 10_000;

    /** RFC 9112 section 3: method SP request-target SP HTTP-version. */
    private static final Pattern HTTP_REQUEST_LINE = Pattern.compile("[A-Z]{1,20} \\S+ HTTP/1\\.[01]");

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String name;
    private final InetSocketAddress bindAddress;
    private final SSLContext context;
    private final Semaphore permits = new Semaphore(MAX_CONNECTIONS);
    private final ExecutorService workers;
    private volatile SSLServerSocket serverSocket;
    private Thread acceptor;

    /**
     * @param name        the name it answers with
     * @param bindAddress a loopback address and port (0 picks a free port)
     * @param context     the TLS context presenting this server's certificate
     */
    public DemoServer(String name, InetSocketAddress bindAddress, SSLContext context) {
        if (!bindAddress.getAddress().isLoopbackAddress()) {
            // The demo never listens beyond this machine.
            throw new IllegalArgumentException("demo backends bind loopback only: " + bindAddress);
        }
        this.name = name;
        this.bindAddress = bindAddress;
        this.context = context;
        this.workers = Executors.newFixedThreadPool(WORKERS, r -> {
            Thread t = new Thread(r, "demo-" + name + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Binds and starts accepting.
     *
     * <p>Called once from the main thread; blocks only for the bind.
     *
     * @throws IOException when the address cannot be bound (e.g. the port is in use)
     */
    public synchronized void start() throws IOException {
        SSLServerSocket ss = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        ss.setReuseAddress(true);
        ss.bind(bindAddress, 50);
        serverSocket = ss;
        acceptor = new Thread(this::acceptLoop, "demo-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return the bound port (useful when constructed with port 0) */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** @return the name this server answers with */
    public String name() {
        return name;
    }

    private void acceptLoop() {
        ServerSocket ss = serverSocket;
        while (!ss.isClosed()) {
            Socket s;
            try {
                s = ss.accept();
            } catch (IOException e) {
                if (ss.isClosed()) {
                    return;
                }
                continue;
            }
            if (!permits.tryAcquire()) {
                closeQuietly(s);
                continue;
            }
            try {
                workers.execute(() -> {
                    try {
                        serve(s);
                    } finally {
                        permits.release();
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                permits.release();
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(SO_TIMEOUT_MS);
            InputStream in = s.getInputStream();
            String first = readLine(in, MAX_HEAD_BYTES);
            if (first == null) {
                return;
            }
            String body = "hello from " + name + " (port " + s.getLocalPort() + ")\n";
            OutputStream out = s.getOutputStream();
            if (HTTP_REQUEST_LINE.matcher(first).matches()) {
                int budget = MAX_HEAD_BYTES - first.length();
                String header;
                while ((header = readLine(in, budget)) != null && !header.isEmpty()) {
                    budget -= header.length() + 2;
                }
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                String head = "HTTP/1.1 200 OK\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\n"
                        + "Content-Length: " + b.length + "\r\n"
                        + "Connection: close\r\n"
                        + "\r\n";
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(b);
            } else {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        } catch (SocketException | javax.net.ssl.SSLException | java.net.SocketTimeoutException e) {
            // Handshake failures, resets and idle clients are normal for a demo; nothing to say.
        } catch (IOException e) {
            System.err.println("demo-backends: " + name + ": " + e);
        }
    }

    /**
     * Reads one line terminated by LF (a preceding CR is dropped), at most {@code max} bytes.
     *
     * @return the line, or null at end of stream before any byte or when the limit is reached
     */
    static String readLine(InputStream in, int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= max) {
                return null;
            }
            line.write(c);
        }
        // A last line without LF still counts (e.g. `printf hello | openssl s_client`).
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing a socket we are refusing: nothing to report.
        }
    }

    /**
     * Stops accepting, then waits up to 2 s for requests in progress.
     *
     * <p>Called from a shutdown hook or a test thread; blocks at most about 2 s.
     */
    @Override
    public synchronized void close() {
        SSLServerSocket ss = serverSocket;
        if (ss != null) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
