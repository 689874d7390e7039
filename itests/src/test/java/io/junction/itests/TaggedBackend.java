package io.junction.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP backend on a loopback address of the test's choice (127.0.0.1 or ::1, which
 * {@link RecordingBackend} cannot do), that greets first with {@code "<name> #<id>\n"} and then
 * records every byte it receives on that connection. The greeting tells the client which
 * server the router picked and which recording is its own; the recording shows what the router
 * put on the wire, e.g. the PROXY header that {@code send-proxy} wrote before the client's
 * bytes.
 *
 * <p>Plain blocking JDK sockets, one daemon thread per connection: a fixture, not code under
 * test. It also remembers the peer address of every connection, so that a test can tell over
 * which address family the router reached it.
 */
final class TaggedBackend implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Recording> recordings = new ConcurrentHashMap<>();

    private TaggedBackend(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
    }

    /** Test thread: starts the backend on an ephemeral port of {@code address} (loopback only). */
    static TaggedBackend start(String name, InetAddress address) throws IOException {
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("the network rule allows loopback only, not " + address);
        }
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0), 100);
        TaggedBackend backend = new TaggedBackend(name, server);
        Thread acceptor = new Thread(backend::acceptLoop, "tagged-backend-" + name);
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

    /** How the router's config names this server's address: {@code 127.0.0.1:P} or bare {@code ::1:P}. */
    String address() {
        InetAddress a = server.getInetAddress();
        return (a instanceof java.net.Inet6Address ? "::1" : a.getHostAddress()) + ":" + port();
    }

    /** Connections accepted so far. */
    int accepted() {
        return ids.get();
    }

    /** The peer (the router's outbound socket) of connection {@code id}. */
    InetSocketAddress peer(int id) {
        Recording recording = recordings.get(id);
        if (recording == null) {
            throw new AssertionError(name + " has no connection #" + id);
        }
        return (InetSocketAddress) recording.socket.getRemoteSocketAddress();
    }

    /**
     * Test thread: waits (bounded) until connection {@code id} recorded at least {@code length}
     * bytes or ended, and returns what it recorded.
     */
    byte[] awaitRecorded(int id, int length, Duration wait) throws InterruptedException {
        Recording recording = recordings.get(id);
        if (recording == null) {
            throw new AssertionError(name + " has no connection #" + id);
        }
        return recording.await(length, wait);
    }

    /** Test thread: like {@link #awaitRecorded} until a CRLF or LF arrived, as text. */
    String awaitLine(int id, Duration wait) throws InterruptedException {
        Recording recording = recordings.get(id);
        if (recording == null) {
            throw new AssertionError(name + " has no connection #" + id);
        }
        return new String(recording.awaitLine(wait), StandardCharsets.ISO_8859_1);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int id = ids.incrementAndGet();
            Recording recording = new Recording(socket);
            recordings.put(id, recording);
            Thread worker = new Thread(() -> recording.run(name + " #" + id + "\n"),
                    "tagged-backend-" + name + "-" + id);
            worker.setDaemon(true);
            worker.start();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Recording recording : recordings.values()) {
            try {
                recording.socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + address();
    }

    private static final class Recording {
        final Socket socket;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean ended;

        Recording(Socket socket) {
            this.socket = socket;
        }

        void run(String greeting) {
            try (socket) {
                socket.setSoTimeout(60_000);
                socket.getOutputStream().write(greeting.getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                InputStream in = socket.getInputStream();
                byte[] chunk = new byte[8192];
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    synchronized (this) {
                        bytes.write(chunk, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // reset or closed by the test: what arrived is recorded
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized byte[] await(int length, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (bytes.size() < length && !ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return bytes.toByteArray();
        }

        synchronized byte[] awaitLine(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (!ended && bytes.toString(StandardCharsets.ISO_8859_1).indexOf('\n') < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return bytes.toByteArray();
        }
    }
}
