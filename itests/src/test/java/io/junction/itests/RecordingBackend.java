package io.junction.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP backend that records, per connection, exactly the bytes it received. On accept it
 * greets first with {@code "<name> #<id>\n"} so that the client learns which backend it reached
 * and which recording is its own, without the backend having to understand the bytes (the
 * crafted ClientHellos are not answered: nobody completes a handshake here).
 */
final class RecordingBackend implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Recording> recordings = new ConcurrentHashMap<>();

    private RecordingBackend(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
    }

    /** Test thread: starts the backend on an ephemeral 127.0.0.1 port. */
    static RecordingBackend start(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, JunctionItSupport.LOOPBACK);
        RecordingBackend backend = new RecordingBackend(name, server);
        Thread acceptor = new Thread(backend::acceptLoop, "recording-backend-" + name);
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

    /** Connections accepted so far. */
    int accepted() {
        return ids.get();
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
                    "recording-backend-" + name + "-" + id);
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
    }
}
