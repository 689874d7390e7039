package io.junction.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP backend on an ephemeral 127.0.0.1 port that speaks first and then echoes:
 * on accept it greets with {@code "<name> #<id>\n"}, so that a client behind the router learns
 * which server it reached even when it sent something the backend does not understand (an SSH
 * identification line), then answers every line {@code L} with {@code "<name>: L"}. The echo lets
 * a long-lived connection prove that it still flows both ways after reloads and bundle updates.
 *
 * <p>Plain blocking JDK sockets, one thread per connection: a fixture, not code under test.
 */
final class LineBackend implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private LineBackend(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
    }

    /** Test thread: starts the backend on an ephemeral 127.0.0.1 port. */
    static LineBackend start(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 200, JunctionItSupport.LOOPBACK);
        LineBackend backend = new LineBackend(name, server);
        Thread acceptor = new Thread(backend::acceptLoop, "line-backend-" + name);
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

    /** TCP connections accepted so far. */
    int accepted() {
        return ids.get();
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
            connections.add(socket);
            Thread worker = new Thread(() -> serve(socket, id), "line-backend-" + name + "-" + id);
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void serve(Socket socket, int id) {
        try (socket) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write((name + " #" + id + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                out.write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // reset or closed by the test: the client side observes it
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
